import CImageCodecs
import Foundation
import MimicTestSupport

/// PNG and JPEG files made by libpng and libjpeg themselves (through CImageCodecs), so
/// the decoder is checked against the libraries' own writers, not a guess at the format.
enum ImageFile {
    /// PNG colour types, as the PNG specification numbers them.
    enum ColourType: Int32, CaseIterable, CustomStringConvertible {
        case gray = 0, rgb = 2, palette = 3, grayAlpha = 4, rgba = 6

        var samplesPerPixel: Int {
            switch self {
            case .gray, .palette: 1
            case .grayAlpha: 2
            case .rgb: 3
            case .rgba: 4
            }
        }

        var description: String { "\(self == .gray ? "gray" : self == .rgb ? "RGB" : self == .palette ? "palette" : self == .grayAlpha ? "gray+alpha" : "RGBA")" }
    }

    /// `samples`: width*height*samplesPerPixel values below 2^bitDepth, row by row.
    static func png(_ samples: [UInt16], width: Int, height: Int, colour: ColourType, bitDepth: Int,
                    palette: [UInt8] = [], interlaced: Bool = false) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = samples.withUnsafeBufferPointer { samples in
            palette.withUnsafeBufferPointer { palette in
                mimic_png_encode(samples.baseAddress, UInt32(width), UInt32(height), colour.rawValue, Int32(bitDepth),
                                 palette.baseAddress, Int32(palette.count / 3), interlaced ? 1 : 0, &out, &size)
            }
        }
        precondition(status == 0 && out != nil, "libpng could not write the test's PNG")
        defer { mimic_image_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    /// An 8-bit gray PNG of `pixels`.
    static func grayPNG(_ pixels: [UInt8], width: Int, height: Int) -> [UInt8] {
        png(pixels.map(UInt16.init), width: width, height: height, colour: .gray, bitDepth: 8)
    }

    /// An 8-bit RGB PNG of interleaved `pixels`.
    static func rgbPNG(_ pixels: [UInt8], width: Int, height: Int) -> [UInt8] {
        png(pixels.map(UInt16.init), width: width, height: height, colour: .rgb, bitDepth: 8)
    }

    /// A JPEG of interleaved `pixels`, 1 (gray) or 3 (RGB) components.
    static func jpeg(_ pixels: [UInt8], width: Int, height: Int, components: Int, quality: Int = 95) -> [UInt8] {
        var out: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = pixels.withUnsafeBufferPointer {
            mimic_jpeg_encode($0.baseAddress, UInt32(width), UInt32(height), Int32(components), Int32(quality), &out, &size)
        }
        precondition(status == 0 && out != nil, "libjpeg could not write the test's JPEG")
        defer { mimic_image_free(out) }
        return Array(UnsafeBufferPointer(start: out, count: size))
    }

    /// `png` with its IHDR claiming `width` x `height`, the chunk's CRC made right again,
    /// so libpng reads the claim rather than stopping at a bad checksum.
    static func claimingSize(_ png: [UInt8], width: UInt32, height: UInt32) -> [UInt8] {
        var bytes = png
        // Signature (8), length (4), "IHDR" (4), then width and height, big-endian.
        for (offset, value) in [(16, width), (20, height)] {
            for i in 0..<4 { bytes[offset + i] = UInt8(truncatingIfNeeded: value >> (24 - 8 * i)) }
        }
        let crc = crc32(Array(bytes[12..<29]))  // "IHDR" and its 13 bytes of data
        for i in 0..<4 { bytes[29 + i] = UInt8(truncatingIfNeeded: crc >> (24 - 8 * i)) }
        return bytes
    }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc = ~UInt32(0)
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? 0xedb8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return ~crc
    }
}

/// An image folder under construction in a temporary folder: `add` writes
/// `<split>/<class>/<file>`.
struct ImageFolderFixture {
    let folder: TemporaryFolder

    init(_ name: String = "shapes") throws {
        folder = try TemporaryFolder(name)
    }

    var path: String { folder.path }

    func add(_ bytes: [UInt8], _ relativePath: String) throws {
        try folder.write(bytes, to: relativePath)
    }

    /// Gray 4x3 images whose every pixel is `value`, so a test can tell which file
    /// landed where.
    static func uniform(_ value: UInt8, width: Int = 4, height: Int = 3) -> [UInt8] {
        ImageFile.grayPNG([UInt8](repeating: value, count: width * height), width: width, height: height)
    }

    /// A good folder: classes "cat" and "dog", two training and one test image each.
    static func good(_ name: String = "pets") throws -> ImageFolderFixture {
        let fixture = try ImageFolderFixture(name)
        try fixture.add(uniform(10), "train/cat/1.png")
        try fixture.add(uniform(11), "train/cat/2.png")
        try fixture.add(uniform(20), "train/dog/1.png")
        try fixture.add(uniform(21), "train/dog/2.png")
        try fixture.add(uniform(30), "test/cat/1.png")
        try fixture.add(uniform(40), "test/dog/1.png")
        return fixture
    }
}
