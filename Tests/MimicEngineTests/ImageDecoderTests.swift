import MimicEngine
import Testing

/// PNG in every colour type and bit depth decoded exactly, JPEG within the loss of its
/// compression, and damaged files refused with the library's reason.
@Suite struct ImageDecoderTests {
    struct PNGCase: CustomTestStringConvertible, Sendable {
        var colour: ImageFile.ColourType
        var bitDepth: Int
        var interlaced = false
        var testDescription: String { "\(colour) \(bitDepth)-bit\(interlaced ? " interlaced" : "")" }
    }

    static let pngCases: [PNGCase] = [
        .init(colour: .gray, bitDepth: 1), .init(colour: .gray, bitDepth: 2), .init(colour: .gray, bitDepth: 4),
        .init(colour: .gray, bitDepth: 8), .init(colour: .gray, bitDepth: 16),
        .init(colour: .grayAlpha, bitDepth: 8), .init(colour: .grayAlpha, bitDepth: 16),
        .init(colour: .rgb, bitDepth: 8), .init(colour: .rgb, bitDepth: 16),
        .init(colour: .rgba, bitDepth: 8), .init(colour: .rgba, bitDepth: 16),
        .init(colour: .palette, bitDepth: 1), .init(colour: .palette, bitDepth: 2),
        .init(colour: .palette, bitDepth: 4), .init(colour: .palette, bitDepth: 8),
        .init(colour: .rgb, bitDepth: 8, interlaced: true), .init(colour: .gray, bitDepth: 16, interlaced: true),
    ]

    /// Every sample different from its neighbours, spanning the depth's whole range.
    static func samples(count: Int, bitDepth: Int, salt: Int) -> [UInt16] {
        let top = (1 << bitDepth) - 1
        return (0..<count).map { UInt16(($0 &* 7919 &+ salt &* 104_729 &+ $0 / 3) % (top + 1)) }
    }

    /// 16-bit samples become 8 with exact rounding (libpng's png_set_scale_16); smaller
    /// gray depths stretch to 0-255.
    static func eightBit(_ sample: UInt16, bitDepth: Int) -> UInt8 {
        switch bitDepth {
        case 16: UInt8((Int(sample) * 255 + 32767) / 65535)
        case 8: UInt8(sample)
        default: UInt8(Int(sample) * 255 / ((1 << bitDepth) - 1))
        }
    }

    @Test(arguments: pngCases)
    func pngDecodesExactly(_ test: PNGCase) throws {
        let (width, height) = (7, 5)  // odd sizes: rows of packed samples end mid-byte
        let perPixel = test.colour.samplesPerPixel
        let entries = 1 << min(test.bitDepth, 8)
        let palette = (0..<(entries * 3)).map { UInt8(truncatingIfNeeded: $0 &* 53 &+ 17) }
        let samples = Self.samples(count: width * height * perPixel, bitDepth: test.bitDepth, salt: test.bitDepth)
        let file = ImageFile.png(samples, width: width, height: height, colour: test.colour, bitDepth: test.bitDepth,
                                 palette: test.colour == .palette ? palette : [], interlaced: test.interlaced)

        let (header, pixels) = try ImageDecoder.decode(file)

        let gray = test.colour == .gray || test.colour == .grayAlpha
        #expect(header == ImageDecoder.Header(width: width, height: height, channels: gray ? 1 : 3))
        let planeSize = width * height
        var expected = [UInt8](repeating: 0, count: planeSize * (gray ? 1 : 3))
        for pixel in 0..<planeSize {
            let first = pixel * perPixel
            if test.colour == .palette {
                for channel in 0..<3 { expected[channel * planeSize + pixel] = palette[Int(samples[first]) * 3 + channel] }
            } else {
                // Alpha, the last sample of a pixel with alpha, is dropped.
                for channel in 0..<(gray ? 1 : 3) {
                    expected[channel * planeSize + pixel] = Self.eightBit(samples[first + channel], bitDepth: test.bitDepth)
                }
            }
        }
        #expect(pixels == expected)
    }

    @Test(arguments: [1, 3])
    func jpegDecodesWithinItsLoss(components: Int) throws {
        let (width, height) = (24, 16)
        // Smooth ramps that differ by channel, which JPEG keeps within a few levels.
        var interleaved = [UInt8](repeating: 0, count: width * height * components)
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<components {
                    let ramp = c == 0 ? x * 10 : c == 1 ? y * 15 : 255 - x * 10
                    interleaved[(y * width + x) * components + c] = UInt8(clamping: ramp)
                }
            }
        }
        let file = ImageFile.jpeg(interleaved, width: width, height: height, components: components, quality: 95)
        let (header, pixels) = try ImageDecoder.decode(file)
        #expect(header == ImageDecoder.Header(width: width, height: height, channels: components))
        var worst = 0
        for pixel in 0..<(width * height) {
            for c in 0..<components {
                let difference = abs(Int(pixels[c * width * height + pixel]) - Int(interleaved[pixel * components + c]))
                worst = max(worst, difference)
            }
        }
        #expect(worst <= 12, "largest difference \(worst) levels")
    }

    @Test func truncatedPNGIsDamaged() throws {
        let file = ImageFile.grayPNG((0..<400).map { UInt8($0 % 251) }, width: 20, height: 20)
        #expect(throws: ImageDecoder.Problem.damaged(.png, reason: "the file ends early: it is truncated")) {
            try ImageDecoder.decode(Array(file.prefix(file.count - 20)))
        }
    }

    @Test func pngWithABadChecksumIsDamaged() throws {
        var file = ImageFile.grayPNG((0..<400).map { UInt8($0 % 251) }, width: 20, height: 20)
        file[file.count - 20] ^= 0x55  // inside IDAT
        let error = try #require(throws: ImageDecoder.Problem.self) { try ImageDecoder.decode(file) }
        guard case .damaged(.png, let reason) = error else { Issue.record("\(error)"); return }
        #expect(reason.contains("CRC") || reason.contains("IDAT"), "\(reason)")
    }

    @Test func truncatedJPEGIsDamaged() throws {
        let pixels = (0..<(32 * 32 * 3)).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        let file = ImageFile.jpeg(pixels, width: 32, height: 32, components: 3)
        #expect(throws: ImageDecoder.Problem.damaged(.jpeg, reason: "Premature end of JPEG file")) {
            try ImageDecoder.decode(Array(file.prefix(file.count / 2)))
        }
    }

    @Test func aHeaderClaimingAHugeImageIsRefusedBeforeDecoding() throws {
        let file = ImageFile.claimingSize(ImageFile.grayPNG([1, 2, 3, 4], width: 2, height: 2), width: 100_000, height: 100_000)
        let header = ImageDecoder.Header(width: 100_000, height: 100_000, channels: 1)
        #expect(throws: ImageDecoder.Problem.tooLarge(.png, header, limit: ImageDecoder.maximumValues)) {
            try ImageDecoder.decode(file)
        }
    }

    @Test(arguments: [[] as [UInt8], Array("just text\n".utf8), [0x89, 0x50, 0x4e, 0x47], [0xff, 0xd8]])
    func bytesOfNoImageAreNotAnImage(_ bytes: [UInt8]) {
        #expect(throws: ImageDecoder.Problem.notAnImage) { try ImageDecoder.decode(bytes) }
    }

    @Test func aJPEGSignatureWithNothingBehindItIsDamaged() {
        let error = #expect(throws: ImageDecoder.Problem.self) { try ImageDecoder.decode([0xff, 0xd8, 0xff, 0xe0, 0, 0]) }
        if case .damaged(.jpeg, _)? = error {} else { Issue.record("\(String(describing: error))") }
    }
}
