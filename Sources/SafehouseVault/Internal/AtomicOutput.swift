import Foundation
import SafehouseCrypto
#if canImport(Glibc)
import Glibc
#endif

/// Linux `O_TMPFILE` (`__O_TMPFILE | O_DIRECTORY`); Glibc's Swift overlay does not export it.
#if arch(x86_64)
private let oTmpFile: Int32 = 0o20200000
#else
private let oTmpFile: Int32 = 0o20040000
#endif

/// Linux `O_DIRECT`, likewise not exported.
#if arch(x86_64)
let oDirect: Int32 = 0o40000
#else
let oDirect: Int32 = 0o200000
#endif

/// An output file that appears at its final path only when `commit` succeeds.
///
/// On Linux it is opened with `O_TMPFILE`: until it is linked it has no name,
/// so a crash or kill leaves nothing behind — no partial output, no plaintext
/// temp file. Where the file system lacks `O_TMPFILE` it falls back to a hidden
/// temporary name in the same folder, removed on failure.
final class AtomicOutput {
    private(set) var path: String
    /// How write errors name the output when its path means nothing to the user
    /// (a vault's internal body file is named after the record being written).
    var label: String?
    var errorName: String { label ?? path }
    private(set) var fd: Int32
    /// A second descriptor for the same file opened with `O_DIRECT` (see
    /// `enableDirectWrites`), or -1.
    private(set) var directFD: Int32 = -1
    /// Offset and length granularity of direct writes on this file system.
    private(set) var directBlock = 4096
    private var tempPath: String?
    private var committed = false
    private var flushed = false
    private(set) var bytesWritten: UInt64 = 0

    /// Opens an unnamed file in the folder of `path`.
    /// - Parameter overwrite: whether an existing file at `path` may be replaced.
    init(path: String, overwrite: Bool, mode: mode_t = 0o600) throws {
        self.path = path
        let dir = parentDirectory(of: path)
        if !overwrite, FileManager.default.fileExists(atPath: path) {
            throw VaultError.cannotCreate(object: path, hint: "it exists; pass --force to replace it")
        }
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: dir, isDirectory: &isDir), isDir.boolValue else {
            throw VaultError.cannotCreate(object: path, hint: "its folder \(dir) does not exist")
        }
        var f = open(dir, oTmpFile | O_RDWR | O_CLOEXEC, mode)
        if f < 0 {
            AtomicOutput.sweepStale(in: dir)
            let t = dir + "/" + AtomicOutput.tempName()
            f = open(t, O_CREAT | O_EXCL | O_RDWR | O_CLOEXEC, mode)
            if f >= 0 { tempPath = t }
        }
        guard f >= 0 else {
            throw VaultError.cannotCreate(object: path, hint: String(cString: strerror(errno)))
        }
        fd = f
        fchmod(fd, mode)
    }

    deinit { discard() }

    /// Opens a second, `O_DIRECT` descriptor for large aligned positional writes
    /// (`pwrite`): they go from our buffer to the device without a copy into the
    /// page cache. File systems without `O_DIRECT` keep the buffered path.
    func enableDirectWrites() {
        guard directFD < 0, fd >= 0, let align = Self.directIOAlignment(fd) else { return }
        directBlock = align
        directFD = open("/proc/self/fd/\(fd)", O_WRONLY | O_CLOEXEC | oDirect)
    }

    /// Writes through the page cache from now on (after the file system refused a direct write).
    func disableDirectWrites() { closeDirect() }

    private func closeDirect() {
        if directFD >= 0 { close(directFD); directFD = -1 }
    }

    /// Writes all of `buffer`, retrying short writes.
    func write(_ buffer: UnsafeRawBufferPointer) throws {
        let allowed = FaultInjection.allowed(buffer.count, at: bytesWritten)
        try PosixIO.write(fd, UnsafeRawBufferPointer(rebasing: buffer[0..<allowed]), object: errorName)
        bytesWritten += UInt64(allowed)
        if allowed < buffer.count { throw VaultError.io(object: errorName, detail: FaultInjection.noSpace) }
    }

    func write(_ bytes: [UInt8]) throws { try bytes.withUnsafeBytes { try write($0) } }

    /// Makes the written bytes durable without naming the file. Call it before
    /// recording the output (an audit entry), so a failing disk fails the command
    /// before anything claims the output exists; `commit` then only names it.
    func flush() throws {
        closeDirect()
        if let fault = FaultInjection.fault(named: "fsync") { throw VaultError.io(object: errorName, detail: fault) }
        guard fsync(fd) == 0 else { throw VaultError.io(object: errorName, detail: String(cString: strerror(errno))) }
        flushed = true
    }

    /// Flushes to disk (unless `flush` already did) and gives the file its name
    /// (replacing only if allowed at init).
    /// - Parameters:
    ///   - newPath: a final name other than the one given at init (same folder).
    ///   - syncDirectory: fsync the folder so the name is durable; a caller naming
    ///     many files in one folder passes false and syncs it once (`syncDirectory(_:)`).
    func commit(overwrite: Bool, as newPath: String? = nil, syncDirectory sync: Bool = true) throws {
        if let newPath { path = newPath }
        if !flushed { try flush() }
        let dir = parentDirectory(of: path)
        if let t = tempPath {
            if !overwrite, link(t, path) != 0 {
                throw VaultError.cannotCreate(object: path, hint: errno == EEXIST ? "it exists; pass --force to replace it" : String(cString: strerror(errno)))
            }
            if overwrite { guard rename(t, path) == 0 else { throw VaultError.io(object: path, detail: String(cString: strerror(errno))) } }
            else { unlink(t) }
            tempPath = nil
        } else {
            let procPath = "/proc/self/fd/\(fd)"
            // Replacing needs a staging name (Linux cannot link an unnamed file over
            // another), so it is used only when the final name is taken: a kill
            // between link and rename leaves that name, which `sweepStale` removes.
            if linkat(AT_FDCWD, procPath, AT_FDCWD, path, AT_SYMLINK_FOLLOW) != 0 {
                let err = errno
                guard overwrite, err == EEXIST else {
                    throw VaultError.cannotCreate(object: path, hint: err == EEXIST ? "it exists; pass --force to replace it" : String(cString: strerror(err)))
                }
                let staging = dir + "/" + AtomicOutput.tempName()
                guard linkat(AT_FDCWD, procPath, AT_FDCWD, staging, AT_SYMLINK_FOLLOW) == 0 else {
                    throw VaultError.io(object: path, detail: String(cString: strerror(errno)))
                }
                guard rename(staging, path) == 0 else {
                    unlink(staging)
                    throw VaultError.io(object: path, detail: String(cString: strerror(errno)))
                }
            }
        }
        committed = true
        close(fd); fd = -1
        if sync { AtomicOutput.syncDirectory(dir) }
    }

    /// Drops the output: the unnamed file vanishes, a fallback temp file is removed.
    func discard() {
        closeDirect()
        if fd >= 0 { close(fd); fd = -1 }
        if let t = tempPath { unlink(t); tempPath = nil }
    }

    static let tempPrefix = ".safehouse-tmp-"

    /// A hidden temporary name that carries the writer's process id, so a later
    /// process can tell a dead writer's leftover from a live writer's file.
    static func tempName() -> String {
        tempPrefix + String(getpid()) + "-" + Encoding.hex(Random.bytes(8))
    }

    /// Removes temporary files left in `dir` by writers that were killed: names
    /// whose process no longer exists (or, for names without a process id, older
    /// than an hour). A live writer's file is kept. Returns how many were removed.
    @discardableResult
    static func sweepStale(in dir: String, now: time_t = time(nil)) -> Int {
        guard let d = opendir(dir) else { return 0 }
        defer { closedir(d) }
        var removed = 0
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard name.hasPrefix(tempPrefix) else { continue }
            let rest = name.dropFirst(tempPrefix.count)
            let stale: Bool
            if let dash = rest.firstIndex(of: "-"), let pid = pid_t(rest[..<dash]), pid > 0 {
                stale = kill(pid, 0) != 0 && errno == ESRCH
            } else {
                var st = stat()
                stale = lstat(dir + "/" + name, &st) == 0 && now - st.st_mtim.tv_sec > 3600
            }
            if stale, unlink(dir + "/" + name) == 0 { removed += 1 }
        }
        return removed
    }

    /// fsyncs a directory so a rename or link in it is durable.
    static func syncDirectory(_ dir: String) {
        let d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if d >= 0 { fsync(d); close(d) }
    }

    /// Writes a whole small file atomically.
    static func writeFile(_ bytes: [UInt8], to path: String, overwrite: Bool, mode: mode_t = 0o600) throws {
        let out = try AtomicOutput(path: path, overwrite: overwrite, mode: mode)
        try out.write(bytes)
        try out.commit(overwrite: overwrite)
    }
}

/// The folder of a path ("." for a bare name). Avoids NSString path helpers,
/// which crash on some one-character names in swift-corelibs-foundation.
func parentDirectory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}

/// Reads a whole small file, with a size cap so hostile inputs cannot exhaust memory.
func readSmallFile(_ path: String, maxBytes: Int = 16 << 20) throws -> [UInt8] {
    guard FileManager.default.fileExists(atPath: path) else {
        throw VaultError.missing(object: path, hint: "check the path")
    }
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw VaultError.io(object: path, detail: String(cString: strerror(errno))) }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0 else { throw VaultError.io(object: path, detail: String(cString: strerror(errno))) }
    guard st.st_size <= maxBytes else { throw VaultError.badData(object: path, hint: "the file is larger than any valid one (\(maxBytes) bytes at most)") }
    var out = [UInt8](repeating: 0, count: Int(st.st_size))
    let n = try out.withUnsafeMutableBytes { try PosixIO.read(fd, into: $0, object: path) }
    return Array(out[0..<n])
}

/// Output that appears only complete, for CLI commands that stream (`redact`):
/// to a file (named only by `commit`), or to stdout through an unnamed spool file
/// copied out by `commit` — so a refusal half-way writes nothing anywhere.
public final class StagedOutput {
    /// The file being written (the unnamed spool for stdout).
    let file: AtomicOutput
    private let toStdout: Bool
    private let overwrite: Bool

    /// - Parameter path: the output file, or nil for stdout.
    public init(path: String?, overwrite: Bool, mode: mode_t = 0o600) throws {
        toStdout = path == nil
        self.overwrite = overwrite
        let tmp = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        file = try AtomicOutput(path: path ?? tmp + "/safehouse-stdout-spool", overwrite: path == nil || overwrite,
                                mode: path == nil ? 0o600 : mode)
    }

    /// The output of `destination`: a file named at commit, or stdout through a spool.
    convenience init(_ destination: OutputDestination, mode: mode_t) throws {
        switch destination {
        case .file(let path, let overwrite): try self.init(path: path, overwrite: overwrite, mode: mode)
        case .standardOutput: try self.init(path: nil, overwrite: false)
        }
    }

    public func write(_ bytes: [UInt8]) throws { try file.write(bytes) }

    /// Makes a file output durable before it is recorded (a spool for stdout needs no fsync:
    /// it is copied out and dropped).
    func flush() throws { if !toStdout { try file.flush() } }

    /// Names the file, or copies the spool to stdout and drops it.
    public func commit() throws {
        guard toStdout else { return try file.commit(overwrite: overwrite) }
        defer { file.discard() }
        guard lseek(file.fd, 0, SEEK_SET) == 0 else { throw VaultError.io(object: "the stdout spool file", detail: String(cString: strerror(errno))) }
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try PosixIO.read(file.fd, into: $0, object: "the stdout spool file") }
            if n == 0 { break }
            try chunk.withUnsafeBytes { try PosixIO.write(STDOUT_FILENO, UnsafeRawBufferPointer(rebasing: $0[0..<n]), object: "stdout") }
        }
    }

    /// Drops the output; nothing is left behind.
    public func discard() { file.discard() }
}

/// Atomic writes of whole files for the CLI (keyrings, reports, exports).
public enum PublicFile {
    /// Writes `bytes` to `path`; the file appears only complete. Mode 0644 unless `secret`.
    public static func write(_ bytes: [UInt8], to path: String, overwrite: Bool, secret: Bool = false) throws {
        try AtomicOutput.writeFile(bytes, to: path, overwrite: overwrite, mode: secret ? 0o600 : 0o644)
    }
}
