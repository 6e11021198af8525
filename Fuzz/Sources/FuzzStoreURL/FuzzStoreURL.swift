import Foundation
import FuzzSupport
// For the password lookup, which only the store's connection calls.
@testable import MimicStore

/// `--store` and `MIMIC_STORE` as a person types them, the libpq variables that fill in
/// what a URL leaves out, and a `~/.pgpass` file. The input's first line is the store,
/// its next four PGHOST, PGPORT, PGUSER and PGSSLMODE, and the rest the password file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzStoreURL(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzInput.bytes(data, size)
    let lines = bytes.split(separator: UInt8(ascii: "\n"), maxSplits: 5, omittingEmptySubsequences: false)
        .map { String(decoding: $0, as: UTF8.self) }
    func line(_ index: Int) -> String { index < lines.count ? lines[index] : "" }
    let passwordFile = ScratchFile.holding(Array(lines.count > 5 ? Array(line(5).utf8) : []))
    chmod(passwordFile, 0o600)
    var environment = ["PGPASSFILE": passwordFile]
    for (index, name) in ["PGHOST", "PGPORT", "PGUSER", "PGSSLMODE"].enumerated() where !line(index + 1).isEmpty {
        environment[name] = line(index + 1)
    }
    _ = PostgresAddress.withoutPassword(line(0))
    do {
        let address = try StoreAddress(parsing: line(0), environment: environment)
        _ = address.description
        _ = address.childEnvironment
        if case .postgres(let postgres) = address {
            _ = postgres.password(environment: environment)
        }
    } catch {
        _ = error.message
    }
    return 0
}
