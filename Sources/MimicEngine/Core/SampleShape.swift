/// The shape of one sample flowing through a network, without the batch dimension.
/// Images are channels x height x width; a flat vector is `features x 1 x 1`.
/// A fixed struct rather than an array so passing shapes around never allocates.
public struct SampleShape: Hashable, Sendable, CustomStringConvertible {
    public var channels: Int
    public var height: Int
    public var width: Int

    public init(channels: Int, height: Int, width: Int) {
        self.channels = channels
        self.height = height
        self.width = width
    }

    public static func vector(_ features: Int) -> SampleShape {
        SampleShape(channels: features, height: 1, width: 1)
    }

    public var count: Int { channels * height * width }
    public var isVector: Bool { height == 1 && width == 1 }

    /// "1x28x28" for images, "128" for vectors: the form used in specs and checkpoints.
    public var description: String {
        isVector ? "\(channels)" : "\(channels)x\(height)x\(width)"
    }

    /// Reads the form `description` writes ("CxHxW" or "HxW" for one channel, or "N").
    /// A shape whose value count overflows Int is refused: the text comes from files
    /// (checkpoints, the store), and every user of a shape multiplies it out.
    public init?(parsing text: String) {
        let parts = text.split(separator: "x", omittingEmptySubsequences: false).map { Int($0) }
        guard !parts.isEmpty, parts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        let values = parts.map { $0! }
        var count = 1
        for value in values {
            let (product, overflow) = count.multipliedReportingOverflow(by: value)
            if overflow { return nil }
            count = product
        }
        switch values.count {
        case 1: self = .vector(values[0])
        case 2: self.init(channels: 1, height: values[0], width: values[1])
        case 3: self.init(channels: values[0], height: values[1], width: values[2])
        default: return nil
        }
    }
}
