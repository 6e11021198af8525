import Foundation
import Testing
@testable import MimicEngine

/// A 2-channel 3x4 table of `count` images whose pixels all differ, so that any wrong
/// source pixel shows.
private func table(count: Int) -> ImageTable {
    let shape = SampleShape(channels: 2, height: 3, width: 4)
    return ImageTable(shape: shape, pixels: (0..<count * shape.count).map { UInt8($0 % 251 + 1) })
}

/// Fills one batch of `rows` from `images`, augmented, as the trainer would.
private func augmented(_ images: ImageTable, rows: [Int32], _ augmentation: Augmentation,
                       seed: UInt64 = 7, epoch: Int = 1) -> [Float] {
    var output = [Float](repeating: -1, count: rows.count * images.shape.count)
    rows.withUnsafeBufferPointer { rows in
        output.withUnsafeMutableBufferPointer {
            images.fill($0.baseAddress!, rows: rows, augmentation: augmentation, seed: seed, epoch: epoch)
        }
    }
    return output
}

@Suite struct AugmentationTests {
    @Test(arguments: [("shift1-flip", Augmentation(shift: 1, flip: true)), ("flip", Augmentation(shift: 0, flip: true)),
                      (" Shift4 ", Augmentation(shift: 4, flip: false)), ("flip-shift2", Augmentation(shift: 2, flip: true)),
                      ("none", Augmentation.none)])
    func specsParse(text: String, expected: Augmentation) throws {
        let parsed = try Augmentation.parse(text)
        #expect(parsed == expected)
        #expect(try Augmentation.parse(parsed.description) == parsed)
    }

    @Test(arguments: ["", "-", "shift", "shift0", "shift5", "shift-1", "shiftx", "shift1-", "-flip", "flip-flip",
                      "shift1-shift2", "rotate", "shift1,flip", "none-flip"])
    func brokenSpecsAreRejected(text: String) {
        #expect(throws: ConfigError.self) { try Augmentation.parse(text) }
    }

    /// Every output pixel is the source pixel the draw names, or 0 where that lies
    /// outside the image; checked against the definition over many images and epochs.
    /// shift4 on 3-row images moves some of them out whole: a range with its start past
    /// its end trapped there (and on any image narrower than the shift).
    @Test(arguments: [Augmentation(shift: 1, flip: true), Augmentation(shift: 2, flip: false), Augmentation(shift: 0, flip: true),
                      Augmentation(shift: 4, flip: true)])
    func pixelsComeFromWhereTheDrawSays(_ augmentation: Augmentation) {
        let images = table(count: 40)
        let shape = images.shape
        let rows = (0..<40).map { Int32($0) }
        for epoch in 1...3 {
            let output = augmented(images, rows: rows, augmentation, epoch: epoch)
            for (i, row) in rows.enumerated() {
                let draw = augmentation.draw(seed: 7, epoch: epoch, row: row)
                for channel in 0..<shape.channels {
                    for y in 0..<shape.height {
                        for x in 0..<shape.width {
                            let sy = y - draw.dy, shifted = x - draw.dx
                            let sx = draw.mirrored ? shape.width - 1 - shifted : shifted
                            let inside = (0..<shape.height).contains(sy) && (0..<shape.width).contains(shifted)
                            let expected = inside ? Float(images.pixels[Int(row) * shape.count + (channel * shape.height + sy) * shape.width + sx]) * (1 / 255) : 0
                            #expect(output[i * shape.count + (channel * shape.height + y) * shape.width + x] == expected)
                        }
                    }
                }
            }
        }
    }

    /// Draws stay within the bounds asked, cover them, and depend only on seed, epoch
    /// and row, so a resumed run repeats them without keeping any state.
    @Test func drawsAreBoundedCoveringAndRepeatable() {
        let augmentation = Augmentation(shift: 1, flip: true)
        var seen = Set<[Int]>()
        for row in Int32(0)..<500 {
            let draw = augmentation.draw(seed: 7, epoch: 2, row: row)
            #expect((-1...1).contains(draw.dx) && (-1...1).contains(draw.dy))
            seen.insert([draw.dx, draw.dy, draw.mirrored ? 1 : 0])
            #expect(draw == augmentation.draw(seed: 7, epoch: 2, row: row))
        }
        #expect(seen.count == 18)
        let rows = (0..<64).map { Int32($0) }
        let images = table(count: 64)
        #expect(augmented(images, rows: rows, augmentation, epoch: 1) == augmented(images, rows: rows, augmentation, epoch: 1))
        #expect(augmented(images, rows: rows, augmentation, epoch: 1) != augmented(images, rows: rows, augmentation, epoch: 2))
        #expect(augmented(images, rows: rows, augmentation, seed: 7) != augmented(images, rows: rows, augmentation, seed: 8))
        #expect((0..<100).allSatisfy { !Augmentation(shift: 2, flip: false).draw(seed: 1, epoch: 1, row: Int32($0)).mirrored })
    }

    /// A stored config keeps it as its text and reads it back; a broken text fails to read.
    @Test func configsKeepItAsText() throws {
        var config = ExperimentConfig()
        config.augmentation = Augmentation(shift: 2, flip: true)
        let json = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        #expect(json.contains(#""augmentation":"shift2-flip""#))
        #expect(try JSONDecoder().decode(ExperimentConfig.self, from: Data(json.utf8)) == config)
        let broken = json.replacingOccurrences(of: "shift2-flip", with: "shift9")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(ExperimentConfig.self, from: Data(broken.utf8)) }
        // A config stored before augmentation existed reads as none.
        let old = json.replacingOccurrences(of: #","augmentation":"shift2-flip""#, with: "")
            .replacingOccurrences(of: #""augmentation":"shift2-flip","#, with: "")
        #expect(try JSONDecoder().decode(ExperimentConfig.self, from: Data(old.utf8)).augmentation == nil)
    }

    /// "No augmentation" has one spelling in a config: setting `.none` stores nil.
    @Test func configsSpellNoneAsNil() {
        var said = ExperimentConfig(), unsaid = ExperimentConfig()
        said.augmentation = Augmentation.none  // not Optional.none, which is nil already
        #expect(said.augmentation == nil)
        #expect(said == unsaid)
        said.augmentation = Augmentation(shift: 1, flip: false)
        #expect(said.augmentation == Augmentation(shift: 1, flip: false))
    }

    /// No augmentation leaves every image as the plain fill writes it.
    @Test func noneIsThePlainFill() {
        let images = table(count: 5)
        let rows: [Int32] = [4, 0, 2]
        var plain = [Float](repeating: -1, count: rows.count * images.shape.count)
        plain.withUnsafeMutableBufferPointer { images.fill($0.baseAddress!, rows: rows[...]) }
        #expect(augmented(images, rows: rows, .none) == plain)
    }
}
