/// One array as `numpy.save` writes it (the `.npy` format, versions 1 to 3): a magic
/// string, a header that is a Python dict literal (`{'descr': '<f4', 'fortran_order':
/// False, 'shape': (60000, 28, 28), }`), then the elements in C order.
///
/// Only what a data set is made of is read: unsigned and signed integers, floats and
/// booleans, of either byte order. An object, string or structured array, or one in
/// Fortran order, is refused with the reason; every size is checked against the bytes
/// actually present before anything is allocated for it.
public struct NPYArray: Sendable, Equatable {
    public enum Kind: Character, Sendable {
        case unsigned = "u", signed = "i", float = "f", bool = "b"
    }

    public let kind: Kind
    /// Bytes per element: 1, 2, 4 or 8 (floats: 4 or 8).
    public let itemSize: Int
    public let shape: [Int]
    /// The elements' bytes, in the file's byte order.
    let body: ArraySlice<UInt8>
    let bigEndian: Bool

    public var count: Int { body.count / itemSize }

    /// The type as NumPy names it ("uint8", "float32").
    public var typeName: String {
        switch kind {
        case .unsigned: "uint\(itemSize * 8)"
        case .signed: "int\(itemSize * 8)"
        case .float: "float\(itemSize * 8)"
        case .bool: "bool"
        }
    }

    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// Reads `bytes`, a whole `.npy` file; `source` names it in errors ("x_train.npy in
    /// data.npz").
    public init(bytes: [UInt8], source: String) throws(DataError) {
        func bad(_ problem: String) -> DataError { .badArray(source: source, problem: problem) }
        guard bytes.count >= 10, Array(bytes[0..<6]) == Self.magic else {
            throw bad("is not a NumPy array (it does not start with \\x93NUMPY)")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw bad("ends inside its header") }
            headerLength = (8..<12).reduce(0) { $0 | Int(bytes[$1]) << (8 * ($1 - 8)) }
            headerStart = 12
        default:
            throw bad("is in .npy format version \(major), which this version of mimic does not read (it reads 1 to 3)")
        }
        guard headerLength <= bytes.count - headerStart else { throw bad("ends inside its header") }
        let header = try NPYHeader(bytes[headerStart..<(headerStart + headerLength)], bad: bad)

        var descr = Substring(header.descr)
        var bigEndian = false
        if let order = descr.first, "<>|=".contains(order) {
            bigEndian = order == ">"
            descr = descr.dropFirst()
        }
        guard let letter = descr.first, let kind = Kind(rawValue: letter), let size = Int(descr.dropFirst()),
              [1, 2, 4, 8].contains(size), kind != .float || size >= 4, kind != .bool || size == 1 else {
            throw bad("holds elements of type '\(header.descr)'; save it as uint8 or float32 (x.astype('uint8'))")
        }
        guard !header.fortranOrder else {
            throw bad("is in Fortran order; save it in C order (numpy.ascontiguousarray(x))")
        }
        var count = header.shape.contains(0) ? 0 : 1
        for dimension in header.shape where count > 0 {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw bad("has a shape \(header.shape) too large to hold in memory") }
            count = product
        }
        let start = headerStart + headerLength
        let (expected, overflow) = count.multipliedReportingOverflow(by: size)
        guard !overflow, expected == bytes.count - start else {
            let present = bytes.count - start
            throw bad(present < expected || overflow
                      ? "is cut short: its shape \(header.shape) needs \(overflow ? "more than \(Int.max)" : "\(expected)") bytes of \(kind == .bool ? "bool" : "'\(header.descr)'") elements, and it has \(present)"
                      : "has \(present - expected) bytes after the \(expected) its shape \(header.shape) needs; save it again with numpy.save")
        }
        self.kind = kind
        self.itemSize = size
        self.shape = header.shape
        self.body = bytes[start...]
        self.bigEndian = bigEndian
    }

    /// Element `index` as a Double: exact for every integer of up to 53 bits and every float.
    public func value(_ index: Int) -> Double {
        var raw: UInt64 = 0
        let offset = body.startIndex + index * itemSize
        for byte in 0..<itemSize {
            let shift = bigEndian ? 8 * (itemSize - 1 - byte) : 8 * byte
            raw |= UInt64(body[offset + byte]) << shift
        }
        switch kind {
        case .unsigned, .bool:
            return Double(raw)
        case .signed:
            let unused = UInt64(64 - 8 * itemSize)
            return Double(Int64(bitPattern: raw << unused) >> Int64(unused))
        case .float:
            return itemSize == 4 ? Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw))) : Double(bitPattern: raw)
        }
    }

    /// The elements as bytes, when they are uint8 or bool: the common case of images,
    /// copied without conversion.
    public var bytesIfByteSized: [UInt8]? { itemSize == 1 && kind != .signed ? Array(body) : nil }
}

/// The header of a `.npy` file: the three keys of its dict literal. Python writes it
/// with `repr`, so only the literals `repr` gives are read: quoted strings, True and
/// False, and tuples of integers.
struct NPYHeader {
    let descr: String
    let fortranOrder: Bool
    let shape: [Int]

    init(_ text: ArraySlice<UInt8>, bad: (String) -> DataError) throws(DataError) {
        var reader = Reader(bytes: text)
        var descr: String?, fortranOrder: Bool?, shape: [Int]?
        func malformed(_ detail: String) -> DataError {
            bad("has a malformed header (\(detail)); write it again with numpy.save")
        }
        reader.skipSpace()
        guard reader.take("{") else { throw malformed("it does not start with '{'") }
        while true {
            reader.skipSpace()
            if reader.take("}") { break }
            guard let key = reader.string() else { throw malformed("a key is not a quoted string") }
            reader.skipSpace()
            guard reader.take(":") else { throw malformed("no ':' after '\(key)'") }
            reader.skipSpace()
            switch key {
            case "descr":
                guard let value = reader.string() else {
                    throw bad("holds a structured array (its 'descr' is not one type); save each field as an array of its own")
                }
                descr = value
            case "fortran_order":
                if reader.take("True") { fortranOrder = true } else if reader.take("False") { fortranOrder = false } else {
                    throw malformed("'fortran_order' is neither True nor False")
                }
            case "shape":
                guard let value = reader.tuple() else { throw malformed("'shape' is not a tuple of whole numbers") }
                shape = value
            default:
                throw malformed("it has a key '\(key)' besides 'descr', 'fortran_order' and 'shape'")
            }
            reader.skipSpace()
            if reader.take(",") { continue }
            guard reader.take("}") else { throw malformed("no ',' or '}' after '\(key)'") }
            break
        }
        guard let descr, let fortranOrder, let shape else {
            throw malformed("it lacks 'descr', 'fortran_order' or 'shape'")
        }
        self.descr = descr
        self.fortranOrder = fortranOrder
        self.shape = shape
    }

    struct Reader {
        let bytes: ArraySlice<UInt8>
        var index: Int

        init(bytes: ArraySlice<UInt8>) {
            self.bytes = bytes
            index = bytes.startIndex
        }

        mutating func skipSpace() {
            while index < bytes.endIndex, [0x20, 0x0A, 0x09, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func take(_ word: String) -> Bool {
            let utf8 = Array(word.utf8)
            guard bytes.endIndex - index >= utf8.count, Array(bytes[index..<(index + utf8.count)]) == utf8 else { return false }
            index += utf8.count
            return true
        }

        /// 'text' or "text", without escapes (repr of a dtype or key has none).
        mutating func string() -> String? {
            guard index < bytes.endIndex, bytes[index] == 0x27 || bytes[index] == 0x22 else { return nil }
            let quote = bytes[index]
            guard let end = bytes[(index + 1)...].firstIndex(of: quote) else { return nil }
            let text = bytes[(index + 1)..<end]
            guard !text.contains(0x5C), text.count <= 64 else { return nil }
            index = end + 1
            return String(decoding: text, as: UTF8.self)
        }

        /// (), (5,), (60000, 28, 28): whole numbers of at most 18 digits.
        mutating func tuple() -> [Int]? {
            guard take("(") else { return nil }
            var values: [Int] = []
            while true {
                skipSpace()
                if take(")") { return values }
                let start = index
                while index < bytes.endIndex, (0x30...0x39).contains(bytes[index]), index - start < 18 { index += 1 }
                guard index > start, let value = Int(String(decoding: bytes[start..<index], as: UTF8.self)) else { return nil }
                _ = take("L")
                values.append(value)
                skipSpace()
                if take(",") { continue }
                guard take(")") else { return nil }
                return values
            }
        }
    }
}
