import Foundation

/// Runs Debian's `ffmpeg` and `ffprobe` with pipes only: standard input fed from memory,
/// standard output consumed as it arrives, nothing written to a file by ffmpeg itself.
///
/// The child gets an environment of `PATH` and `LC_ALL` only (no `http_proxy`, which would
/// send the loopback URL — token and plaintext — to a proxy), no core dumps (the limit is
/// inherited from the hardened parent), and `-protocol_whitelist` / `-format_whitelist`
/// limit what an input may open (a hostile playlist or reference file cannot reach other files or hosts).
enum FFmpeg {
    /// What ffmpeg may open for an input: our loopback endpoint, or its standard input.
    static let protocols = "http,tcp,pipe"
    /// The demuxers a source may use: media files only, so that a playlist or concat list
    /// sealed as a recording cannot make ffmpeg fetch anything else (HLS segments on another
    /// host, say) — `protocols` alone would let it reach any host over tcp.
    static let formats = "mov,mp4,m4a,3gp,matroska,webm,wav,w64,flac,mp3,ogg,aac,aiff,avi,mpegts,jpeg_pipe,png_pipe,webp_pipe,tiff_pipe,bmp_pipe,image2"
    /// The input options every source read gets (a stalled read fails after 30 s instead of
    /// hanging the approve).
    static let inputOptions = ["-protocol_whitelist", protocols, "-format_whitelist", formats, "-rw_timeout", "30000000"]

    /// The absolute path of a tool on `PATH`.
    static func path(_ tool: String) throws -> String {
        let dirs = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") + ["/usr/bin", "/bin"]
        for d in dirs where FileManager.default.isExecutableFile(atPath: "\(d)/\(tool)") { return "\(d)/\(tool)" }
        throw VaultError.missing(object: tool, hint: "media excerpts need Debian's ffmpeg: `apt-get install ffmpeg` (scripts/setup.sh does it)")
    }

    /// The first line of `ffmpeg -version` ("ffmpeg version 5.1.9-0+deb12u1"), for the provenance.
    static func version() throws -> String {
        var out: [UInt8] = []
        try run("ffmpeg", ["-version"], object: "ffmpeg -version") { fd in out = try readAll(fd, limit: 1 << 20) }
        let first = String(decoding: out, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "ffmpeg"
        return first.components(separatedBy: " Copyright").first ?? first
    }

    static func readAll(_ fd: Int32, limit: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = try buf.withUnsafeMutableBytes { try PosixIO.read(fd, into: $0, object: "ffmpeg") }
            out += buf[0..<n]
            guard out.count <= limit else { throw VaultError.io(object: "ffmpeg", detail: "unexpectedly large output") }
            if n < buf.count { return out }
        }
    }

    /// Writes all of `p` to `fd` (a pipe into ffmpeg).
    static func writeAll(_ fd: Int32, _ p: UnsafeRawBufferPointer) throws {
        try PosixIO.write(fd, p, object: "ffmpeg (it stopped reading its input)")
    }

    /// Runs `tool args…`. `feed` (on its own thread) writes the child's standard input and
    /// returns; `consume` reads its standard output until the end. Throws when the child
    /// fails (with the last line it printed on stderr), or when `feed` or `consume` did.
    /// - Parameter object: what is being made, for error messages.
    /// - Parameter outputFD: instead of a pipe, the child's standard output is this file
    ///   (seekable: ffmpeg writes `file:/dev/stdout` and goes back to fix its headers);
    ///   `consume` is then not called.
    static func run(_ tool: String, _ args: [String], object: String, feed: ((Int32) throws -> Void)? = nil,
                    outputFD: Int32? = nil, consume: (Int32) throws -> Void) throws {
        signal(SIGPIPE, SIG_IGN)  // a child that exits early must fail a write, not kill us
        let p = Process()
        p.executableURL = URL(fileURLWithPath: try path(tool))
        p.arguments = args
        p.environment = ["PATH": "/usr/bin:/bin", "LC_ALL": "C"]
        let input = Pipe(), output = Pipe(), errors = Pipe()
        p.standardInput = feed == nil ? FileHandle.nullDevice : input
        p.standardOutput = outputFD.map { FileHandle(fileDescriptor: $0, closeOnDealloc: false) } ?? output
        p.standardError = errors
        do { try p.run() } catch {
            throw VaultError.io(object: object, detail: "\(tool) could not be started: \(error)")
        }
        let state = ChildState()
        let errDone = DispatchSemaphore(value: 0)
        Thread {
            let bytes = (try? readAll(errors.fileHandleForReading.fileDescriptor, limit: 1 << 22)) ?? []
            state.lock.lock(); state.errText = Array(bytes.suffix(4096)); state.lock.unlock()
            errDone.signal()
        }.start()
        let feedDone = DispatchSemaphore(value: 0)
        if let feed {
            let fd = input.fileHandleForWriting.fileDescriptor
            let f = Unchecked(feed)
            Thread {
                do { try f.value(fd) } catch { state.lock.lock(); state.feedError = error; state.lock.unlock() }
                try? input.fileHandleForWriting.close()
                feedDone.signal()
            }.start()
        } else {
            feedDone.signal()
        }
        var consumeError: Error?
        do { if outputFD == nil { try consume(output.fileHandleForReading.fileDescriptor) } } catch {
            consumeError = error
            kill(p.processIdentifier, SIGKILL)
        }
        try? output.fileHandleForReading.close()
        feedDone.wait()
        p.waitUntilExit()
        errDone.wait()
        if let feedError = state.feedError { throw feedError }
        if let consumeError { throw consumeError }
        guard p.terminationReason == .exit, p.terminationStatus == 0 else {
            let e = String(decoding: state.errText, as: UTF8.self)
            let line = e.split(separator: "\n").last.map(String.init) ?? "no message"
            throw VaultError.io(object: object, detail: "\(tool) failed (status \(p.terminationStatus)): \(line)")
        }
    }
}

/// What the threads around a child process hand back, under its lock.
private final class ChildState: @unchecked Sendable {
    let lock = NSLock()
    var errText: [UInt8] = []
    var feedError: Error?
}
