import Foundation

/// The safetensors file format (Hugging Face), with F32 tensors and I64 ones (the counts
/// PyTorch keeps as int64, such as batch norm's `num_batches_tracked`): an 8-byte
/// little-endian header length N, N bytes of JSON header, then the raw little-endian
/// tensor data. The header maps each tensor name to {"dtype", "shape", "data_offsets":
/// [begin, end]}, with offsets counted from the first data byte, plus an optional
/// "__metadata__" object of strings. Chosen because PyTorch, NumPy and JAX all read it
/// without running any code from the file, so a mimic model can be inspected or loaded
/// into a torch module.
public enum SafeTensors {
    /// The element types mimic reads and writes, named as the format names them.
    public enum DType: String, Sendable {
        case float32 = "F32"
        case int64 = "I64"

        public var byteWidth: Int {
            switch self {
            case .float32: 4
            case .int64: 8
            }
        }
    }

    /// A tensor to write, borrowed from the memory that holds it for the length of the call.
    public struct TensorView {
        public enum Values {
            case float32(UnsafeBufferPointer<Float>)
            case int64(UnsafeBufferPointer<Int64>)
        }

        public var name: String
        public var shape: [Int]
        public var contents: Values

        public init(name: String, shape: [Int], values: UnsafeBufferPointer<Float>) {
            self.name = name
            self.shape = shape
            contents = .float32(values)
        }

        public init(name: String, shape: [Int], integers: UnsafeBufferPointer<Int64>) {
            self.name = name
            self.shape = shape
            contents = .int64(integers)
        }

        public var dtype: DType {
            switch contents {
            case .float32: .float32
            case .int64: .int64
            }
        }

        var count: Int {
            switch contents {
            case .float32(let values): values.count
            case .int64(let values): values.count
            }
        }
    }

    /// A tensor read back from a file: its F32 values in `values`, or its I64 values in
    /// `integers`, as `dtype` says; the other array is empty.
    public struct Tensor: Equatable, Sendable {
        public var shape: [Int]
        public var dtype: DType
        public var values: [Float]
        public var integers: [Int64]

        public init(shape: [Int], values: [Float]) {
            self.shape = shape
            dtype = .float32
            self.values = values
            integers = []
        }

        public init(shape: [Int], integers: [Int64]) {
            self.shape = shape
            dtype = .int64
            values = []
            self.integers = integers
        }
    }

    /// Everything a file holds.
    public struct Contents: Equatable, Sendable {
        public var tensors: [String: Tensor]
        public var metadata: [String: String]

        public init(tensors: [String: Tensor], metadata: [String: String]) {
            self.tensors = tensors
            self.metadata = metadata
        }
    }

    static let metadataKey = "__metadata__"

    /// Writes `tensors`, in the given order, and `metadata` to `path`, replacing any file
    /// there only once the new one is complete on disk.
    public static func write(tensors: [TensorView], metadata: [String: String], to path: String) throws {
        do {
            try FileBytes.storeAtomically(encode(tensors: tensors, metadata: metadata), to: path)
        } catch {
            throw CheckpointError.unwritable(path: path, reason: error.reason)
        }
    }

    public static func read(path: String) throws -> Contents {
        let bytes: [UInt8]
        do {
            bytes = try FileBytes.load(path)
        } catch {
            if error.missing { throw CheckpointError.missingFile(path: path) }
            if let kind = error.notARegularFile { throw CheckpointError.notARegularFile(path: path, kind: kind) }
            throw CheckpointError.unreadable(path: path, reason: error.words)
        }
        return try decode(bytes, path: path)
    }

    /// The bytes of a safetensors file. The header is padded with spaces to a multiple of
    /// 8 bytes, as the reference implementation does, so the data starts aligned.
    public static func encode(tensors: [TensorView], metadata: [String: String]) -> [UInt8] {
        var header: [String: Any] = [:]
        if !metadata.isEmpty { header[metadataKey] = metadata }
        var dataBytes = 0
        for tensor in tensors {
            precondition(tensor.name != metadataKey, "\(metadataKey) is reserved and cannot name a tensor")
            precondition(header[tensor.name] == nil, "two tensors are both named \(tensor.name)")
            precondition(tensor.shape.allSatisfy { $0 >= 0 } && tensor.shape.reduce(1, *) == tensor.count,
                         "tensor \(tensor.name) has \(tensor.count) values, which do not fill shape \(tensor.shape)")
            let end = dataBytes + tensor.dtype.byteWidth * tensor.count
            header[tensor.name] = ["dtype": tensor.dtype.rawValue, "shape": tensor.shape, "data_offsets": [dataBytes, end]] as [String: Any]
            dataBytes = end
        }
        // Sorted keys make the same model give the same file, byte for byte.
        var json = try! JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes])
        json.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - json.count % 8) % 8))

        var bytes = [UInt8](repeating: 0, count: 8 + json.count + dataBytes)
        bytes.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt64(json.count).littleEndian, toByteOffset: 0, as: UInt64.self)
            json.copyBytes(to: UnsafeMutableRawBufferPointer(rebasing: raw[8..<(8 + json.count)]))
            var offset = 8 + json.count
            for tensor in tensors {
                switch tensor.contents {
                case .float32(let values):
                    for value in values {
                        raw.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: offset, as: UInt32.self)
                        offset += 4
                    }
                case .int64(let values):
                    for value in values {
                        raw.storeBytes(of: value.littleEndian, toByteOffset: offset, as: Int64.self)
                        offset += 8
                    }
                }
            }
        }
        return bytes
    }

    /// Reads the bytes of a safetensors file, checking every claim the header makes
    /// against the data before trusting it; `path` only names the file in errors.
    public static func decode(_ bytes: [UInt8], path: String) throws -> Contents {
        guard bytes.count >= 8 else { throw CheckpointError.tooShort(path: path, bytes: bytes.count) }
        let headerLength = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw CheckpointError.headerLongerThanFile(
                path: path, headerBytes: headerLength, bytesAfterLength: bytes.count - 8)
        }
        let dataStart = 8 + Int(headerLength)
        let header = try parseHeader(Data(bytes[8..<dataStart]), path: path)
        let dataBytes = bytes.count - dataStart

        var placed: [(name: String, dtype: DType, shape: [Int], begin: Int, end: Int)] = []
        for (name, entry) in header.tensors.sorted(by: { $0.name < $1.name }) {
            guard let dtype = DType(rawValue: entry.dtype) else {
                throw CheckpointError.unsupportedDType(path: path, tensor: name, dtype: entry.dtype)
            }
            guard entry.shape.allSatisfy({ $0 >= 0 }) else {
                throw CheckpointError.malformedTensor(path: path, tensor: name, problem: "shape \(entry.shape) has a negative dimension")
            }
            guard entry.offsets.count == 2 else {
                throw CheckpointError.malformedTensor(
                    path: path, tensor: name, problem: "data_offsets has \(entry.offsets.count) numbers instead of [begin, end]")
            }
            let begin = entry.offsets[0], end = entry.offsets[1]
            guard begin >= 0, begin <= end else {
                throw CheckpointError.badOffsets(path: path, tensor: name, problem: "[\(begin), \(end)] is not an increasing pair of byte positions")
            }
            guard end <= dataBytes else {
                throw CheckpointError.badOffsets(path: path, tensor: name, problem: "it ends at byte \(end) but the file holds only \(dataBytes) bytes of data")
            }
            let needed = entry.shape.reduce(Optional(dtype.byteWidth)) { product, dimension in
                product.flatMap { p -> Int? in
                    let (result, overflow) = p.multipliedReportingOverflow(by: dimension)
                    return overflow ? nil : result
                }
            }
            guard let needed, needed == end - begin else {
                throw CheckpointError.badOffsets(
                    path: path, tensor: name,
                    problem: "it spans \(end - begin) bytes but shape \(entry.shape) of \(dtype.rawValue) needs \(needed.map(String.init) ?? "more than fits in memory")")
            }
            placed.append((name, dtype, entry.shape, begin, end))
        }

        placed.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        for (previous, next) in zip(placed, placed.dropFirst()) where next.begin < previous.end {
            throw CheckpointError.badOffsets(
                path: path, tensor: next.name, problem: "its bytes overlap those of tensor \"\(previous.name.escapingControlCharacters)\"")
        }

        var tensors: [String: Tensor] = [:]
        bytes.withUnsafeBytes { raw in
            for (name, dtype, shape, begin, end) in placed {
                let count = (end - begin) / dtype.byteWidth
                let first = dataStart + begin
                switch dtype {
                case .float32:
                    let values = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                        for i in 0..<count {
                            let bits = raw.loadUnaligned(fromByteOffset: first + 4 * i, as: UInt32.self)
                            buffer[i] = Float(bitPattern: UInt32(littleEndian: bits))
                        }
                        initialized = count
                    }
                    tensors[name] = Tensor(shape: shape, values: values)
                case .int64:
                    let integers = [Int64](unsafeUninitializedCapacity: count) { buffer, initialized in
                        for i in 0..<count {
                            buffer[i] = Int64(littleEndian: raw.loadUnaligned(fromByteOffset: first + 8 * i, as: Int64.self))
                        }
                        initialized = count
                    }
                    tensors[name] = Tensor(shape: shape, integers: integers)
                }
            }
        }
        return Contents(tensors: tensors, metadata: header.metadata)
    }

    // MARK: - Header

    private struct Entry: Decodable {
        var dtype: String
        var shape: [Int]
        var offsets: [Int]

        enum CodingKeys: String, CodingKey {
            case dtype, shape
            case offsets = "data_offsets"
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            dtype = try container.decode(String.self, forKey: .dtype)
            shape = try Self.wholeNumbers(container, .shape)
            offsets = try Self.wholeNumbers(container, .offsets)
        }

        /// Decoded through Double because JSONDecoder reports 2.5 or 1e30 where an Int is
        /// wanted with an error of its own that names no field; every byte count a real
        /// file holds is far below 2⁵³, where Double is still exact.
        private static func wholeNumbers(_ container: KeyedDecodingContainer<CodingKeys>, _ key: CodingKeys) throws -> [Int] {
            let numbers: [Double]
            do {
                numbers = try container.decode([Double].self, forKey: key)
            } catch let error as DecodingError {
                throw error
            } catch {
                throw HeaderProblem.notWholeNumbers(field: key.stringValue)
            }
            return try numbers.map { number in
                guard let whole = Int(exactly: number) else { throw HeaderProblem.notWholeNumbers(field: key.stringValue) }
                return whole
            }
        }
    }

    /// What went wrong inside one header key, raised from within JSONDecoder so the
    /// problem stays tied to the tensor that has it.
    private enum HeaderProblem: Error {
        case tensor(name: String, problem: String)
        case metadata
        case notWholeNumbers(field: String)
    }

    private struct Header: Decodable {
        var tensors: [(name: String, entry: Entry)] = []
        var metadata: [String: String] = [:]

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Key.self)
            for key in container.allKeys {
                if key.stringValue == SafeTensors.metadataKey {
                    do { metadata = try container.decode([String: String].self, forKey: key) }
                    catch { throw HeaderProblem.metadata }
                } else {
                    do { tensors.append((key.stringValue, try container.decode(Entry.self, forKey: key))) }
                    catch let error as DecodingError { throw HeaderProblem.tensor(name: key.stringValue, problem: Self.explain(error)) }
                    catch HeaderProblem.notWholeNumbers(let field) {
                        throw HeaderProblem.tensor(name: key.stringValue, problem: "its \"\(field)\" is not a list of whole numbers")
                    } catch {
                        throw HeaderProblem.tensor(name: key.stringValue, problem: "it holds a value that cannot be read")
                    }
                }
            }
        }

        /// "no dtype field", "shape has the wrong type": the field is the path component
        /// just below the tensor's own key.
        private static func explain(_ error: DecodingError) -> String {
            switch error {
            case .keyNotFound(let key, _):
                return "it has no \"\(key.stringValue)\" field"
            case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
                guard context.codingPath.count >= 2 else { return "it is not a JSON object" }
                let field = context.codingPath[1].stringValue
                return field == "dtype"
                    ? "its \"dtype\" is not a string"
                    : "its \"\(field)\" is not a list of whole numbers"
            @unknown default:
                return "it cannot be decoded"
            }
        }
    }

    private static func parseHeader(_ json: Data, path: String) throws -> Header {
        do {
            return try JSONDecoder().decode(Header.self, from: json)
        } catch HeaderProblem.tensor(let name, let problem) {
            throw CheckpointError.malformedTensor(path: path, tensor: name, problem: problem)
        } catch HeaderProblem.metadata {
            throw CheckpointError.malformedMetadata(path: path)
        } catch DecodingError.typeMismatch {
            throw CheckpointError.headerNotJSON(path: path, problem: "its top level is not an object")
        } catch {
            throw CheckpointError.headerNotJSON(path: path, problem: "it does not parse as UTF-8 JSON")
        }
    }
}
