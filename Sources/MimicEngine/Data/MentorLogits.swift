import Foundation

/// A mentor known only by its outputs: the logits it gave each image of the students'
/// pool and, when the user has them, each test image. DeepMimic's students need
/// nothing else ("we need not even know the original network architecture of the
/// mentor").
///
/// The file is a `.npy` of shape (pool, classes) or (pool + test, classes), pool rows
/// first, or a safetensors file with a tensor `pool` (pool, classes) and optionally
/// `test` (test, classes). Rows follow the order `mimic data list` prints: the pool as
/// the split orders it (the training images the labeled part left, ascending, then the
/// images without a class), then the test set. Float32 or float64; every value finite.
///
/// Every split of a fraction has a pool of the same size, whatever its seed, so the
/// rows' count cannot tell a file written for another split. `mimic data logits` records
/// the split it wrote for (`split_seed`, `labeled_fraction` in the safetensors
/// metadata), and a run refuses a file of another; a file written elsewhere has no
/// such record, and the user vouches for its order.
public struct MentorLogits: Sendable {
    public let classes: Int
    /// Row-major [pool count x classes], in the pool's order.
    public let pool: [Float]
    /// Row-major [test count x classes]; nil when the file has no test rows.
    public let test: [Float]?
    /// A hash of every value, so a resumed run can tell the same logits from others.
    public let contentHash: String

    public init(classes: Int, pool: [Float], test: [Float]?) {
        self.classes = classes
        self.pool = pool
        self.test = test
        var hash = ContentHash()
        pool.withUnsafeBytes { hash.add($0) }
        if let test { test.withUnsafeBytes { hash.add($0) } }
        contentHash = hash.hex
    }

    /// What a logits file must match: the split's pool and test sizes and the classes.
    public struct Expected: Sendable {
        public var poolCount: Int
        public var testCount: Int
        public var classes: Int
        /// The split the run makes, for a file that records the one it was written for.
        public var seed: UInt64
        public var labeledFraction: Double
        /// The command that prints the order the rows must follow.
        public var listCommand: String

        public init(poolCount: Int, testCount: Int, classes: Int, seed: UInt64, labeledFraction: Double, listCommand: String) {
            self.poolCount = poolCount
            self.testCount = testCount
            self.classes = classes
            self.seed = seed
            self.labeledFraction = labeledFraction
            self.listCommand = listCommand
        }
    }

    /// The metadata keys that record the split a file was written for.
    static let seedKey = "split_seed"
    static let labeledFractionKey = "labeled_fraction"

    public static func read(from path: String, expected: Expected) throws -> MentorLogits {
        let lower = path.lowercased()
        if lower.hasSuffix(".npy") { return try readNPY(path, expected) }
        if lower.hasSuffix(".safetensors") { return try readSafeTensors(path, expected) }
        throw DataError.badLogits(path: path, problem: "is neither a .npy nor a .safetensors file; save the logits with numpy.save(path, logits) or safetensors.numpy.save_file({'pool': ..., 'test': ...}, path)")
    }

    private static func readNPY(_ path: String, _ expected: Expected) throws -> MentorLogits {
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.load(path)
        } catch {
            throw DataError(reading: path, error)
        }
        let array = try NPYArray(bytes: bytes, source: path)
        guard array.kind == .float else {
            throw DataError.badLogits(path: path, problem: "holds \(array.typeName) values; logits are float32 or float64")
        }
        guard array.shape.count == 2 else {
            throw DataError.badLogits(path: path, problem: "holds an array of shape \(array.shape); logits are shaped (images, classes)")
        }
        let (rows, columns) = (array.shape[0], array.shape[1])
        try check(columns: columns, path, expected)
        let withTest = expected.poolCount + expected.testCount
        guard rows == expected.poolCount || rows == withTest else {
            throw DataError.badLogits(path: path, problem: "holds \(rows) rows, but the pool holds \(expected.poolCount) images and the test set \(expected.testCount); write \(expected.poolCount) rows (or \(withTest), the test images' after), one per image in the order '\(expected.listCommand)' prints")
        }
        var values = [Float](repeating: 0, count: rows * columns)
        for index in 0..<values.count {
            let value = array.value(index)
            guard value.isFinite, abs(value) <= Double(Float.greatestFiniteMagnitude) else {
                throw nonFinite(value, row: index / columns, column: index % columns, path)
            }
            values[index] = Float(value)
        }
        let poolValues = expected.poolCount * columns
        return MentorLogits(classes: columns, pool: Array(values[0..<poolValues]),
                            test: rows == withTest ? Array(values[poolValues...]) : nil)
    }

    private static func readSafeTensors(_ path: String, _ expected: Expected) throws -> MentorLogits {
        let contents = try SafeTensors.read(path: path)
        if let seed = contents.metadata[seedKey], let fraction = contents.metadata[labeledFractionKey],
           seed != String(expected.seed) || Double(fraction) != expected.labeledFraction {
            throw DataError.badLogits(path: path, problem: "was written for the split of --seed \(seed) --labeled \(fraction), but this run splits with --seed \(expected.seed) --labeled \(expected.labeledFraction), whose pool holds other images; pass --seed \(seed) --labeled \(fraction), or write the logits for this split")
        }
        if let other = contents.tensors.keys.sorted().first(where: { $0 != "pool" && $0 != "test" }) {
            throw DataError.badLogits(path: path, problem: "holds a tensor named \"\(other.escapingControlCharacters)\"; a logits file holds \"pool\" and, optionally, \"test\"")
        }
        guard let pool = contents.tensors["pool"] else {
            throw DataError.badLogits(path: path, problem: "has no tensor \"pool\"; save the pool's logits under that name (and the test set's under \"test\")")
        }
        func values(_ name: String, _ tensor: SafeTensors.Tensor, rows: Int) throws -> [Float] {
            guard tensor.dtype == .float32 else {
                throw DataError.badLogits(path: path, problem: "holds \"\(name)\" as \(tensor.dtype.rawValue); logits are F32")
            }
            guard tensor.shape.count == 2 else {
                throw DataError.badLogits(path: path, problem: "holds \"\(name)\" of shape \(tensor.shape); logits are shaped (images, classes)")
            }
            try check(columns: tensor.shape[1], path, expected)
            guard tensor.shape[0] == rows else {
                throw DataError.badLogits(path: path, problem: "holds \(tensor.shape[0]) rows in \"\(name)\", but the \(name == "pool" ? "pool" : "test set") holds \(rows) images; write one row per image in the order '\(expected.listCommand)' prints")
            }
            if let index = tensor.values.firstIndex(where: { !$0.isFinite }) {
                throw nonFinite(Double(tensor.values[index]), row: index / tensor.shape[1], column: index % tensor.shape[1], path)
            }
            return tensor.values
        }
        let poolValues = try values("pool", pool, rows: expected.poolCount)
        let testValues = try contents.tensors["test"].map { try values("test", $0, rows: expected.testCount) }
        return MentorLogits(classes: expected.classes, pool: poolValues, test: testValues)
    }

    private static func check(columns: Int, _ path: String, _ expected: Expected) throws(DataError) {
        guard columns == expected.classes else {
            throw DataError.badLogits(path: path, problem: "holds \(columns) logits per image, but the data set has \(expected.classes) classes; write one column per class, in the data set's class order")
        }
    }

    private static func nonFinite(_ value: Double, row: Int, column: Int, _ path: String) -> DataError {
        .badLogits(path: path, problem: "holds \(value) at row \(row), column \(column); every logit must be a finite number, so fix the mentor's outputs before saving them")
    }

    /// The mentor's annotation of the pool: what its students learn from.
    public var annotation: MentorAnnotation { MentorAnnotation(classes: classes, logits: pool) }
}

extension MentorLogits {
    /// The logits `network` gives the pool and the test set of `split`, batch for batch as
    /// a run computes them (the pool as its annotation, the test set as its evaluation),
    /// so a run given these logits trains the very students a run given the network does.
    public static func of(_ network: Network, split: DataSplit) -> MentorLogits {
        let pool = MentorAnnotation(mentor: network, pool: split.unlabeled).logits
        let test = MentorAnnotation(mentor: network, pool: UnlabeledPool(images: split.test.images, rows: split.test.rows),
                                    batchSize: Evaluator.batchSize).logits
        return MentorLogits(classes: network.classes, pool: pool, test: test)
    }

    /// Writes the logits as a safetensors file with tensors `pool` and `test`, recording
    /// `split`'s seed and labeled fraction when given.
    public func write(to path: String, split: DataSplit? = nil) throws {
        let metadata = split.map { [Self.seedKey: String($0.seed), Self.labeledFractionKey: String($0.labeledFraction)] } ?? [:]
        try pool.withUnsafeBufferPointer { pool in
            var tensors = [SafeTensors.TensorView(name: "pool", shape: [pool.count / classes, classes], values: pool)]
            try (test ?? []).withUnsafeBufferPointer { test in
                if self.test != nil {
                    tensors.append(SafeTensors.TensorView(name: "test", shape: [test.count / classes, classes], values: test))
                }
                try SafeTensors.write(tensors: tensors, metadata: metadata, to: path)
            }
        }
    }
}
