/// One SQL statement with its values, written once for both databases: values
/// interpolated into it are bound, never spliced into the text, and each backend
/// numbers the placeholders its own way (`SQLDialect.placeholder`).
///
///     "SELECT * FROM runs WHERE id = \(id) AND status = \(status.rawValue)"
///
/// `\(sql: text)` writes text into the statement as it is: for names and fragments
/// the store itself makes (a dialect's column type, a list of conditions), never for
/// anything a person typed.
public struct StoreQuery: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    enum Piece: Sendable {
        case sql(String)
        case value(StoreValue)
    }

    var pieces: [Piece]

    public init(stringLiteral text: String) { pieces = [.sql(text)] }

    public init(stringInterpolation: StringInterpolation) { pieces = stringInterpolation.pieces }

    public struct StringInterpolation: StringInterpolationProtocol {
        var pieces: [Piece] = []

        public init(literalCapacity: Int, interpolationCount: Int) {}

        public mutating func appendLiteral(_ literal: String) { pieces.append(.sql(literal)) }

        /// A value, bound.
        public mutating func appendInterpolation<Value: StoreValueConvertible>(_ value: Value) {
            pieces.append(.value(value.storeValue))
        }

        /// A value or NULL, bound.
        public mutating func appendInterpolation<Value: StoreValueConvertible>(_ value: Value?) {
            pieces.append(.value(value.storeValue))
        }

        /// Text of the store's own, written into the statement as it is.
        public mutating func appendInterpolation(sql text: String) { pieces.append(.sql(text)) }

        /// Another statement's text and values, in place.
        public mutating func appendInterpolation(_ query: StoreQuery) { pieces += query.pieces }
    }

    /// The statement's text for `dialect`, and the values its placeholders stand for, in order.
    func rendered(for dialect: SQLDialect) -> (sql: String, values: [StoreValue]) {
        var sql = ""
        var values: [StoreValue] = []
        for piece in pieces {
            switch piece {
            case .sql(let text): sql += text
            case .value(let value):
                values.append(value)
                sql += dialect.placeholder(values.count)
            }
        }
        return (sql, values)
    }

    /// The text with `?` for each value: for messages and tests, without the values,
    /// which may be anything a run recorded.
    public var description: String { rendered(for: .sqlite).sql }

    /// `parts` one after another, `separator` between them.
    static func joined(_ parts: [StoreQuery], separator: String) -> StoreQuery {
        var joined = StoreQuery(stringLiteral: "")
        for (index, part) in parts.enumerated() {
            if index > 0 { joined.pieces.append(.sql(separator)) }
            joined.pieces += part.pieces
        }
        return joined
    }
}
