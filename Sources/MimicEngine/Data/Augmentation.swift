/// Random shifts and mirror images of the labeled training images, drawn anew every
/// epoch: the mentor and the baselines learn from 6,000 images, and seeing each one
/// moved by a pixel or mirrored makes the most of them. The unlabeled pool and the
/// test set are never augmented.
///
/// Two ways to draw the move: `shiftN` takes both offsets and the flip from one 64-bit
/// number (within 1.1e-4 of uniform, relative, and what every run with it has drawn);
/// `cropN` is torchvision's `RandomCrop(size, padding=N)` followed by
/// `RandomHorizontalFlip()`, each offset and the flip drawn on its own, exactly uniform
/// (see `draw`). Both fill the uncovered edge with 0, as the zero padding does.
///
/// The draw for an image depends only on the run's seed, the epoch and the image's
/// row, not on any generator carried from step to step: a resumed run augments
/// exactly as the uninterrupted one did, with nothing more in its epoch checkpoint.
public struct Augmentation: Sendable, Codable, Hashable, CustomStringConvertible {
    /// The largest shift, in pixels, along each axis; the uncovered edge is 0 (black).
    public var shift: Int
    /// Mirror half of the images left to right.
    public var flip: Bool
    /// Whether the shift is drawn as torchvision's `RandomCrop` draws it (`cropN`).
    public var crop: Bool

    public static let maximumShift = 4
    /// Every image as it is.
    public static let none = Augmentation(shift: 0, flip: false)
    public var isNone: Bool { self == .none }

    public init(shift: Int, flip: Bool) {
        precondition((0...Self.maximumShift).contains(shift), "shift \(shift) outside 0...\(Self.maximumShift)")
        self.shift = shift
        self.flip = flip
        crop = false
    }

    /// torchvision's `RandomCrop(size, padding: padding)`, then `RandomHorizontalFlip()` when `flip`.
    public init(crop padding: Int, flip: Bool) {
        precondition((1...Self.maximumShift).contains(padding), "padding \(padding) outside 1...\(Self.maximumShift)")
        shift = padding
        self.flip = flip
        crop = true
    }

    /// Reads "shift1-flip", "crop4-flip", "shift2", "flip" or "none".
    public static func parse(_ text: String) throws(ConfigError) -> Augmentation {
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        if trimmed == "none" { return .none }
        var shift = 0, flip = false, crop = false, seen = Set<String>()
        for token in trimmed.split(separator: "-", omittingEmptySubsequences: false).map(String.init) {
            let kind = token.hasPrefix("shift") ? "shift" : token.hasPrefix("crop") ? "crop" : token
            guard seen.insert(kind).inserted else {
                throw ConfigError(message: "\"\(text)\" names \(kind) twice; name each part once, e.g. --augment shift1-flip.")
            }
            if token == "flip" {
                flip = true
            } else if kind == "shift" || kind == "crop", let pixels = Int(token.dropFirst(kind.count)),
                      (1...maximumShift).contains(pixels) {
                guard shift == 0 else {
                    throw ConfigError(message: "\"\(text)\" names both shift and crop, two draws of the same move; give one, e.g. --augment crop4-flip.")
                }
                shift = pixels
                crop = kind == "crop"
            } else {
                throw ConfigError(message: "\"\(token)\" is not shiftN, cropN (N from 1 to \(maximumShift)) or flip; pass e.g. --augment shift1-flip, crop4-flip, or none.")
            }
        }
        return crop ? Augmentation(crop: shift, flip: flip) : Augmentation(shift: shift, flip: flip)
    }

    /// The text `parse` reads back.
    public var description: String {
        isNone ? "none" : [shift > 0 ? "\(crop ? "crop" : "shift")\(shift)" : nil, flip ? "flip" : nil].compactMap { $0 }.joined(separator: "-")
    }

    /// Kept as its text ("shift1-flip") in stored configs: readable, and compared as one value.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            self = try Self.parse(text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// One image's draw: its shift along each axis and whether it is mirrored.
    struct Draw: Equatable {
        var dx: Int, dy: Int, mirrored: Bool
    }

    func draw(seed: UInt64, epoch: Int, row: Int32) -> Draw {
        if crop {
            let crop = cropDraw(seed: seed, epoch: epoch, row: row)
            // Output pixel (y, x) is padded pixel (y + top, x + left): source (y − dy, x − dx)
            // with dy = N − top and dx = N − left. The flip comes after the crop, so the
            // source column is W − 1 − x − dx, which `fill` reads as a shift of −dx mirrored.
            let dx = shift - crop.left
            return Draw(dx: crop.flipped ? -dx : dx, dy: shift - crop.top, mirrored: crop.flipped)
        }
        var random = generator(seed: seed, epoch: epoch, row: row)
        let bits = random.next()
        let span = UInt64(2 * shift + 1)
        return Draw(dx: Int(bits % span) - shift, dy: Int((bits >> 16) % span) - shift,
                    mirrored: flip && (bits >> 63) == 1)
    }

    /// torchvision's parameters of one image's `cropN`: the top and left of the crop in
    /// the image padded by N on every side, and whether it is then flipped.
    struct CropDraw: Equatable {
        var top: Int, left: Int, flipped: Bool
    }

    /// As torchvision draws them: top, then left, each uniform in 0...2N
    /// (`RandomCrop.get_params`), then the flip with probability 1/2, each from a number of
    /// its own; `next(upperBound:)` rejects the few values that would favour some offsets.
    func cropDraw(seed: UInt64, epoch: Int, row: Int32) -> CropDraw {
        precondition(crop, "cropDraw is the draw of cropN")
        var random = generator(seed: seed, epoch: epoch, row: row)
        let span = UInt64(2 * shift + 1)
        let top = Int(random.next(upperBound: span)), left = Int(random.next(upperBound: span))
        return CropDraw(top: top, left: left, flipped: flip && random.next() >> 63 == 1)
    }

    private func generator(seed: UInt64, epoch: Int, row: Int32) -> SeededRandom {
        SeededRandom(seed: seed ^ (UInt64(epoch) &* 0x9e37_79b9_7f4a_7c15) ^ (UInt64(UInt32(bitPattern: row)) << 32))
    }
}

extension ImageTable {
    /// The positions of a row (or column) of `length` pixels moved by `shift` whose
    /// source lies inside it.
    static func inside(shift: Int, length: Int) -> Range<Int> {
        let start = min(length, max(0, shift))
        return start..<max(start, min(length, length + shift))
    }

    /// As `fill`, each image moved and mirrored as `augmentation` draws it for `epoch`:
    /// output pixel (y, x) is source pixel (y − dy, c) with c = x − dx, or width − 1 − c
    /// when mirrored; pixels from outside the image are 0.
    func fill(_ destination: UnsafeMutablePointer<Float>, rows: UnsafeBufferPointer<Int32>,
              augmentation: Augmentation, seed: UInt64, epoch: Int) {
        let size = shape.count, height = shape.height, width = shape.width
        forEachImage(rows, into: destination) { row, image, output in
            let draw = augmentation.draw(seed: seed, epoch: epoch, row: row)
            output.update(repeating: 0, count: size)
            // Destination columns and rows whose source lies inside the image: none when
            // the shift is as large as the image.
            let columns = Self.inside(shift: draw.dx, length: width)
            let lines = Self.inside(shift: draw.dy, length: height)
            for channel in 0..<shape.channels {
                for y in lines {
                    let input = image + (channel * height + y - draw.dy) * width
                    let line = output + (channel * height + y) * width
                    for x in columns {
                        let source = x - draw.dx
                        line[x] = Float(input[draw.mirrored ? width - 1 - source : source]) * Self.scale
                    }
                }
            }
        }
    }
}
