import GRDB

/// Reading a column never traps: GRDB's `row["x"] as T` stops the process on a
/// value of the wrong type (a damaged or edited database), and `check` is what a
/// user runs exactly then. These throw `badData` naming the object instead.
extension Row {
    /// The column's value; a NULL or a value of the wrong type is bad data.
    func value<T: DatabaseValueConvertible>(_ column: String, of object: @autoclosure () -> String) throws -> T {
        let raw: DatabaseValue = self[column]
        guard let v = T.fromDatabaseValue(raw) else { throw Self.damaged(column, object()) }
        return v
    }

    /// The column's value or nil for NULL; a value of the wrong type is bad data.
    func optionalValue<T: DatabaseValueConvertible>(_ column: String, of object: @autoclosure () -> String) throws -> T? {
        let raw: DatabaseValue = self[column]
        if raw.isNull { return nil }
        guard let v = T.fromDatabaseValue(raw) else { throw Self.damaged(column, object()) }
        return v
    }

    private static func damaged(_ column: String, _ object: String) -> VaultError {
        .badData(object: object, hint: "the vault database holds a missing or wrongly typed value in column `\(column)` (damaged or edited); restore the vault from a backup or re-import its bundles")
    }
}
