/// Images of a shared table and nothing else: what a student learns from.
///
/// DeepMimic's claim rests on the student never seeing a label, so this type has no
/// way to hold one: only the image table (pixels, no labels) and row indices. The
/// student's trainer accepts this type, which makes the rule a compile-time fact.
public struct UnlabeledPool: Sendable {
    public let images: ImageTable
    /// Indices into `images`.
    public let rows: [Int32]

    public var count: Int { rows.count }

    public init(images: ImageTable, rows: [Int32]) {
        precondition(rows.allSatisfy { $0 >= 0 && Int($0) < images.count }, "rows index the table")
        self.images = images
        self.rows = rows
    }
}
