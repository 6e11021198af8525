/// A block of same-shaped images, one after another, each channels x height x width.
///
/// Pixels stay `UInt8`: a quarter of the memory of `Float`, and Fashion-MNIST's or
/// CIFAR-10's training set fits in cache-friendly tens of megabytes. They become
/// `Float` only batch by batch, through `fill`. Splits share one table by value
/// (copy on write), so a subset costs only its row indices.
public struct ImageTable: Sendable, Equatable {
    public let shape: SampleShape
    public let count: Int
    public let pixels: [UInt8]

    /// `pixels.count` must be a whole number of images of `shape`.
    public init(shape: SampleShape, pixels: [UInt8]) {
        precondition(shape.count > 0, "an image needs at least one pixel")
        precondition(pixels.count % shape.count == 0,
                     "\(pixels.count) bytes are not a whole number of \(shape) images")
        self.shape = shape
        self.count = pixels.count / shape.count
        self.pixels = pixels
    }

    /// The first `n` images (all of them if there are fewer).
    public func prefix(_ n: Int) -> ImageTable {
        let kept = max(0, min(n, count))
        return ImageTable(shape: shape, pixels: Array(pixels[0..<(kept * shape.count)]))
    }

    /// Writes the images at `rows`, in that order, to `destination` as Float in [0, 1].
    /// Called once per training batch, so it neither allocates nor dispatches per pixel;
    /// `destination` must hold `rows.count * shape.count` floats.
    public func fill(_ destination: UnsafeMutablePointer<Float>, rows: UnsafeBufferPointer<Int32>) {
        let size = shape.count
        forEachImage(rows, into: destination) { _, input, output in
            for i in 0..<size {
                output[i] = Float(input[i]) * Self.scale
            }
        }
    }

    /// What a pixel's byte is multiplied by to give a Float in [0, 1].
    static let scale: Float = 1 / 255

    /// Runs `write(row, image, output)` for each of `rows` in turn, with the row's
    /// pixels and the next `shape.count` floats of `destination`.
    @inline(__always)
    func forEachImage(_ rows: UnsafeBufferPointer<Int32>, into destination: UnsafeMutablePointer<Float>,
                      _ write: (Int32, UnsafePointer<UInt8>, UnsafeMutablePointer<Float>) -> Void) {
        let size = shape.count
        let count = self.count
        pixels.withUnsafeBufferPointer { source in
            guard let base = source.baseAddress else { return }
            var output = destination
            for row in rows {
                let index = Int(row)
                precondition(index >= 0 && index < count, "image row outside the table")
                write(row, base + index * size, output)
                output += size
            }
        }
    }

    /// Same as the pointer form; an `ArraySlice` of a split's rows is the batch, and
    /// borrowing its storage does not copy.
    public func fill(_ destination: UnsafeMutablePointer<Float>, rows: ArraySlice<Int32>) {
        rows.withUnsafeBufferPointer { fill(destination, rows: $0) }
    }
}
