/// Some images of a shared table with their labels: the mentor's training data,
/// a validation set, or the test set.
public struct LabeledSubset: Sendable {
    public let images: ImageTable
    /// Indices into `images`.
    public let rows: [Int32]
    /// One label per row, in the same order.
    public let labels: [UInt8]

    public var count: Int { rows.count }

    public init(images: ImageTable, rows: [Int32], labels: [UInt8]) {
        precondition(rows.count == labels.count, "one label per row")
        precondition(rows.allSatisfy { $0 >= 0 && Int($0) < images.count }, "rows index the table")
        self.images = images
        self.rows = rows
        self.labels = labels
    }

    /// Every image of the table, in order.
    public init(images: ImageTable, labels: [UInt8]) {
        precondition(images.count == labels.count, "one label per image")
        self.images = images
        self.rows = (0..<Int32(images.count)).map { $0 }
        self.labels = labels
    }
}
