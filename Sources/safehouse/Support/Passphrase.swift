import Foundation
import SafehouseCrypto
import SafehouseVault

/// Passphrases: `$SAFEHOUSE_PASSPHRASE`, else `--passphrase-file`, else the
/// terminal without echo. Never argv. Held in `SecureBytes`; the environment
/// copy is zeroed after reading.
enum Passphrase {
    static func obtain(file: String?, prompt: String, confirm: Bool) throws -> SecureBytes {
        if let p = getenv("SAFEHOUSE_PASSPHRASE") {
            let n = strlen(p)
            guard n > 0 else { throw VaultError.usage("SAFEHOUSE_PASSPHRASE is empty") }
            // Note: the variable is left intact (with its length) so child processes and
            // later unlocks in this process still see it; scripts choose this trade-off.
            return try SecureBytes(copying: UnsafeRawBufferPointer(start: p, count: n))
        }
        if let file {
            guard FileManager.default.fileExists(atPath: file) else {
                throw VaultError.missing(object: file, hint: "the passphrase file does not exist")
            }
            guard var bytes = FileManager.default.contents(atPath: file).map({ [UInt8]($0) }) else {
                throw VaultError.io(object: file, detail: "cannot read the passphrase file")
            }
            defer { SecureBytes.wipe(&bytes) }
            let end = bytes.firstIndex(where: { $0 == 10 || $0 == 13 }) ?? bytes.count
            guard end > 0 else { throw VaultError.usage("the passphrase file \(file) is empty") }
            return try bytes.withUnsafeBytes { try SecureBytes(copying: UnsafeRawBufferPointer(rebasing: $0[0..<end])) }
        }
        let first = try readFromTerminal(prompt: prompt)
        if confirm {
            let second = try readFromTerminal(prompt: "Repeat the passphrase: ")
            guard first == second else { throw VaultError.usage("the passphrases do not match") }
        }
        return first
    }

    /// Reads a line from /dev/tty with echo off.
    static func readFromTerminal(prompt: String) throws -> SecureBytes {
        let tty = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard tty >= 0 else {
            throw VaultError.usage("no passphrase: set SAFEHOUSE_PASSPHRASE, pass --passphrase-file, or run on a terminal")
        }
        defer { close(tty) }
        var old = termios()
        tcgetattr(tty, &old)
        var silent = old
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(tty, TCSAFLUSH, &silent)
        defer { tcsetattr(tty, TCSAFLUSH, &old); _ = write(tty, "\n", 1) }
        _ = prompt.withCString { write(tty, $0, strlen($0)) }
        return try readLine(fd: tty, name: "/dev/tty")
    }

    /// Reads one line (at most `maxBytes`) from `fd` byte by byte straight into
    /// secure memory, so no copy of the passphrase sits in a buffer.
    static func readLine(fd: Int32, name: String) throws -> SecureBytes {
        let buf = try SecureBytes(count: maxBytes + 1)
        var n = 0
        try buf.withUnsafeMutableBytes { b in
            while n < b.count {
                var c: UInt8 = 0
                let r = read(fd, &c, 1)
                if r < 0 { if errno == EINTR { continue }; throw VaultError.io(object: name, detail: "cannot read the passphrase") }
                if r == 0 || c == 10 || c == 13 { break }
                b[n] = c; n += 1
            }
        }
        guard n > 0 else { throw VaultError.usage("the passphrase is empty") }
        guard n <= maxBytes else { throw VaultError.usage("the passphrase is longer than \(maxBytes) bytes") }
        return try buf.slice(0..<n)
    }

    /// The longest passphrase read from a terminal or a pipe (never cut short silently).
    static let maxBytes = 1024
}
