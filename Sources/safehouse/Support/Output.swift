import ArgumentParser
import Foundation
import SafehouseVault

/// Messages to stderr, in the contract's form.
enum Output {
    static func error(_ message: String) { FileHandle.standardError.write(Data("safehouse: error: \(message)\n".utf8)) }
    static func hint(_ message: String) { FileHandle.standardError.write(Data("safehouse: hint: \(message)\n".utf8)) }
    static func note(_ message: String) { FileHandle.standardError.write(Data("safehouse: \(message)\n".utf8)) }
    static func print(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    /// One JSON document on one line, keys sorted (`--json` of every listing).
    static func json(_ value: some Encodable) throws {
        let enc = JSONEncoder()
        enc.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try enc.encode(value), as: UTF8.self))
    }
}

/// Runs a command body, turning library errors into the contract's messages and exit codes.
func guarded(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as VaultError {
        Output.error(e.message)
        if let h = e.hint { Output.hint(h) }
        throw ExitCode(e.exitCode)
    } catch let e as ExitCode {
        throw e
    } catch let e as CleanExit {
        throw e
    } catch let e as ValidationError {
        throw e
    } catch {
        Output.error("unexpected failure: \(type(of: error))")
        throw ExitCode(1)
    }
}
