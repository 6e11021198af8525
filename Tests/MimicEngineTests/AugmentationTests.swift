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
                      ("none", Augmentation.none), ("crop4-flip", Augmentation(crop: 4, flip: true)),
                      ("flip-crop1", Augmentation(crop: 1, flip: true)), ("CROP2", Augmentation(crop: 2, flip: false))])
    func specsParse(text: String, expected: Augmentation) throws {
        let parsed = try Augmentation.parse(text)
        #expect(parsed == expected)
        #expect(try Augmentation.parse(parsed.description) == parsed)
    }

    @Test(arguments: ["", "-", "shift", "shift0", "shift5", "shift-1", "shiftx", "shift1-", "-flip", "flip-flip",
                      "shift1-shift2", "rotate", "shift1,flip", "none-flip", "crop", "crop0", "crop5", "crop1-crop2",
                      "shift1-crop2", "crop4-shift1", "cropped"])
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

    /// cropN-flip is torchvision's RandomCrop(size, padding=N) then RandomHorizontalFlip():
    /// every output is the image padded by N zeros on each side, cropped at the draw's
    /// top and left, then mirrored when drawn so; written here from that definition.
    @Test(arguments: [Augmentation(crop: 4, flip: true), Augmentation(crop: 2, flip: false), Augmentation(crop: 1, flip: true)])
    func cropIsTorchvisionsPaddedCropThenFlip(_ augmentation: Augmentation) {
        let images = table(count: 40)
        let shape = images.shape, pad = augmentation.shift
        let rows = (0..<40).map { Int32($0) }
        for epoch in 1...3 {
            let output = augmented(images, rows: rows, augmentation, epoch: epoch)
            for (i, row) in rows.enumerated() {
                let crop = augmentation.cropDraw(seed: 7, epoch: epoch, row: row)
                #expect((0...2 * pad).contains(crop.top) && (0...2 * pad).contains(crop.left))
                #expect(augmentation.flip || !crop.flipped)
                func padded(_ channel: Int, _ y: Int, _ x: Int) -> Float {
                    let (sy, sx) = (y - pad, x - pad)
                    guard (0..<shape.height).contains(sy), (0..<shape.width).contains(sx) else { return 0 }
                    return Float(images.pixels[Int(row) * shape.count + (channel * shape.height + sy) * shape.width + sx]) * (1 / 255)
                }
                for channel in 0..<shape.channels {
                    for y in 0..<shape.height {
                        for x in 0..<shape.width {
                            let column = crop.flipped ? shape.width - 1 - x : x
                            let expected = padded(channel, y + crop.top, column + crop.left)
                            #expect(output[i * shape.count + (channel * shape.height + y) * shape.width + x] == expected,
                                    "row \(row), epoch \(epoch), \(crop)")
                        }
                    }
                }
            }
        }
    }

    /// crop4-flip's draws: top, left and the flip each uniform and independent of the
    /// others, as torchvision's are. 48,600 draws over the 162 (top, left, flip) cells,
    /// 300 expected in each: Pearson's χ² with 161 degrees of freedom stays under 222.2,
    /// its 99.9% quantile, and so does each pair's. Taking two of them from one number
    /// (top == left, or the flip from a bit an offset used) puts it in the thousands.
    @Test func cropDrawsAreUniformAndIndependent() {
        let augmentation = Augmentation(crop: 4, flip: true)
        var cells = [Int](repeating: 0, count: 9 * 9 * 2)
        let draws = 48_600
        for row in 0..<draws {
            let draw = augmentation.cropDraw(seed: 11, epoch: 1 + row % 3, row: Int32(row / 3))
            cells[(draw.top * 9 + draw.left) * 2 + (draw.flipped ? 1 : 0)] += 1
        }
        func chiSquare(_ counts: [Int]) -> Double {
            let expected = Double(counts.reduce(0, +)) / Double(counts.count)
            return counts.reduce(0) { $0 + (Double($1) - expected) * (Double($1) - expected) / expected }
        }
        #expect(chiSquare(cells) < 222.2, "\(chiSquare(cells))")
        // Each pair alone (80, 17 and 17 degrees of freedom: 99.9% quantiles 124.8, 40.8).
        let topLeft = (0..<81).map { cells[2 * $0] + cells[2 * $0 + 1] }
        var topFlip = [Int](repeating: 0, count: 18), leftFlip = [Int](repeating: 0, count: 18)
        for top in 0..<9 {
            for left in 0..<9 {
                for flipped in 0..<2 {
                    let count = cells[(top * 9 + left) * 2 + flipped]
                    topFlip[top * 2 + flipped] += count
                    leftFlip[left * 2 + flipped] += count
                }
            }
        }
        #expect(chiSquare(topLeft) < 124.8, "\(chiSquare(topLeft))")
        #expect(chiSquare(topFlip) < 40.8, "\(chiSquare(topFlip))")
        #expect(chiSquare(leftFlip) < 40.8, "\(chiSquare(leftFlip))")
        // Without flip, never mirrored; the draws of an image repeat, as a resume needs.
        #expect((0..<200).allSatisfy { !Augmentation(crop: 4, flip: false).cropDraw(seed: 1, epoch: 1, row: Int32($0)).flipped })
        #expect((0..<200).allSatisfy {
            augmentation.cropDraw(seed: 5, epoch: 2, row: Int32($0)) == augmentation.cropDraw(seed: 5, epoch: 2, row: Int32($0))
        })
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
