/// One row a query returned, its columns read by name: `row["status"] as String`,
/// `row["ended_at"] as Date?`.
public struct StoreRow: Sendable {
    let columns: [String]
    let values: [StoreValue]

    init(columns: [String], values: [StoreValue]) {
        self.columns = columns
        self.values = values
    }

    /// The value of `column` as `Value`. A column the query did not select, or a value
    /// of another type, is the store's own mistake (the schema is checked when the store
    /// opens), so it stops the program with both named, as GRDB's rows do.
    public subscript<Value: StoreValueConvertible>(_ column: String) -> Value {
        guard let index = columns.firstIndex(of: column) else {
            preconditionFailure("the store read no column \(column) (it read \(columns.joined(separator: ", ")))")
        }
        guard let value = Value(storeValue: values[index]) else {
            preconditionFailure("the store's column \(column) holds \(values[index]), not a \(Value.self)")
        }
        return value
    }

    /// The first column's value.
    func first<Value: StoreValueConvertible>(as type: Value.Type) -> Value? {
        values.first.flatMap { Value(storeValue: $0) }
    }
}
