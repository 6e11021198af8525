import CImageCodecs

/// PNG and JPEG files decoded to 8-bit samples through libpng and libjpeg-turbo (called
/// from C, in CImageCodecs, because their errors longjmp). A file's kind is told by its
/// first bytes, not by its name.
public enum ImageDecoder {
    public enum Format: String, Sendable {
        case png = "PNG"
        case jpeg = "JPEG"

        /// nil for bytes that start neither a PNG nor a JPEG.
        public init?(sniffing bytes: UnsafeRawBufferPointer) {
            let png: [UInt8] = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]
            if bytes.count >= 8 && bytes.prefix(8).elementsEqual(png) {
                self = .png
            } else if bytes.count >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff {
                self = .jpeg
            } else {
                return nil
            }
        }
    }

    /// What a header says, after conversion: 1 channel for gray, 3 for colour.
    public struct Header: Equatable, Sendable, CustomStringConvertible {
        public var width: Int
        public var height: Int
        public var channels: Int

        public init(width: Int, height: Int, channels: Int) {
            self.width = width
            self.height = height
            self.channels = channels
        }

        public var shape: SampleShape { SampleShape(channels: channels, height: height, width: width) }
        /// "28x28 gray", "32x32 RGB".
        public var description: String { "\(width)x\(height) \(channels == 1 ? "gray" : "RGB")" }
    }

    public enum Problem: Error, Equatable, Sendable {
        case notAnImage
        case damaged(Format, reason: String)
        case unsupported(Format, reason: String)
        /// The header claims more values than `limit`; nothing was allocated for them.
        case tooLarge(Format, Header, limit: Int)
    }

    /// The largest image read: the values a network may take as one sample.
    public static let maximumValues = NetworkLimits.valuesPerSample

    enum Outcome {
        case decoded(Header)
        /// The header, read without decoding: the buffer was too small (or absent).
        case headerOnly(Header)
        case failed(Problem)
    }

    /// Decodes `bytes` into `pixels` (interleaved samples, rows top to bottom) when its
    /// values fit there; otherwise only reads the header.
    static func decode(_ bytes: UnsafeRawBufferPointer, into pixels: UnsafeMutableRawBufferPointer?,
                       limit: Int = maximumValues) -> Outcome {
        guard let format = Format(sniffing: bytes), let base = bytes.baseAddress else { return .failed(.notAnImage) }
        var result = mimic_image_result()
        let source = base.assumingMemoryBound(to: UInt8.self)
        let target = pixels?.baseAddress?.assumingMemoryBound(to: UInt8.self)
        let capacity = pixels?.count ?? 0
        let status = switch format {
        case .png: mimic_png_decode(source, bytes.count, UInt64(limit), target, capacity, &result)
        case .jpeg: mimic_jpeg_decode(source, bytes.count, UInt64(limit), target, capacity, &result)
        }
        let header = Header(width: Int(result.width), height: Int(result.height), channels: Int(result.channels))
        switch status {
        case MIMIC_IMAGE_DECODED: return .decoded(header)
        case MIMIC_IMAGE_HEADER_ONLY: return .headerOnly(header)
        case MIMIC_IMAGE_TOO_LARGE: return .failed(.tooLarge(format, header, limit: limit))
        case MIMIC_IMAGE_UNSUPPORTED: return .failed(.unsupported(format, reason: message(of: &result)))
        default: return .failed(.damaged(format, reason: message(of: &result)))
        }
    }

    /// Decodes a whole file's bytes into one image, channel-major as `ImageTable` keeps
    /// it: the one-image path, for tests and the fuzzer (a folder decodes in bulk).
    public static func decode(_ bytes: [UInt8]) throws(Problem) -> (header: Header, pixels: [UInt8]) {
        let header: Header
        switch bytes.withUnsafeBytes({ decode($0, into: nil) }) {
        case .failed(let problem): throw problem
        case .decoded(let found), .headerOnly(let found): header = found
        }
        var interleaved = [UInt8](repeating: 0, count: header.shape.count)
        let outcome = bytes.withUnsafeBytes { raw in interleaved.withUnsafeMutableBytes { decode(raw, into: $0) } }
        switch outcome {
        case .failed(let problem):
            throw problem
        case .headerOnly(let found), .decoded(let found):
            // The same bytes read twice cannot give two headers; checked, not assumed.
            precondition(found == header, "one file's header read two ways")
        }
        var planar = [UInt8](repeating: 0, count: header.shape.count)
        interleaved.withUnsafeBufferPointer { from in
            planar.withUnsafeMutableBufferPointer { to in
                toChannelMajor(from.baseAddress!, to.baseAddress!, pixels: header.width * header.height,
                               channels: header.channels)
            }
        }
        return (header, planar)
    }

    /// Interleaved samples (RGBRGB...) to planes (RR..GG..BB..).
    static func toChannelMajor(_ source: UnsafePointer<UInt8>, _ destination: UnsafeMutablePointer<UInt8>,
                               pixels: Int, channels: Int) {
        if channels == 1 {
            destination.update(from: source, count: pixels)
            return
        }
        for channel in 0..<channels {
            let plane = destination + channel * pixels
            for pixel in 0..<pixels {
                plane[pixel] = source[pixel * channels + channel]
            }
        }
    }

    private static func message(of result: inout mimic_image_result) -> String {
        withUnsafeBytes(of: &result.message) { raw in
            let bytes = raw.prefix(while: { $0 != 0 })
            let text = String(decoding: bytes, as: UTF8.self)
            return text.isEmpty ? "no reason given" : text
        }
    }
}
