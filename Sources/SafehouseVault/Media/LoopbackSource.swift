import Foundation
import SafehouseCrypto

/// A minimal HTTP/1.1 endpoint on 127.0.0.1 that serves the decrypted bytes of one record
/// to one ffmpeg or ffprobe process, so that a source needing seeks (an MP4 whose index is
/// at its end) is read without any plaintext file.
///
/// - Only `GET` and `HEAD` of `/TOKEN/media`, where TOKEN is 128 random bits made for this
///   endpoint alone; any other path is 404 and serves nothing. The endpoint stops (its port
///   closed) when the process it was made for is done, so the token is good for one run.
/// - `Range: bytes=A-B` (or `A-`) is answered 206 with only those bytes; `serve` decrypts
///   only the chunks that cover them, each authenticated and checked against its signed hash
///   before a byte is sent. A client that closes early stops the decryption.
/// - One request per connection (`Connection: close`), one thread per connection.
final class LoopbackSource: @unchecked Sendable {
    /// Decrypts plaintext `[start, start+length)` into the sink, batch by batch.
    typealias Serve = (_ start: UInt64, _ length: UInt64, _ sink: @escaping (UnsafeRawBufferPointer) throws -> Void) throws -> Void

    let length: UInt64
    private let serve: Serve
    private let token: String
    private let listenFD: Int32
    let port: UInt16
    private let group = DispatchGroup()
    private let lock = NSLock()
    private var served: UInt64 = 0
    private var firstError: Error?

    /// The URL to give ffmpeg; it holds the token, so it is never logged.
    var url: String { "http://127.0.0.1:\(port)/\(token)/media" }

    /// Plaintext bytes decrypted for clients so far (for the audit entry).
    var bytesServed: UInt64 { lock.lock(); defer { lock.unlock() }; return served }

    /// An authentication failure while serving (the source was tampered with), if any.
    var error: Error? { lock.lock(); defer { lock.unlock() }; return firstError }

    init(length: UInt64, serve: @escaping Serve) throws {
        self.length = length
        self.serve = serve
        token = Encoding.hex(Random.bytes(16))
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw VaultError.io(object: "loopback endpoint", detail: String(cString: strerror(errno))) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        guard bound == 0, listen(fd, 16) == 0 else {
            let e = String(cString: strerror(errno)); close(fd)
            throw VaultError.io(object: "loopback endpoint", detail: e)
        }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        port = UInt16(bigEndian: addr.sin_port)
        listenFD = fd
        group.enter()
        let t = Thread { [self] in acceptLoop(); group.leave() }
        t.start()
    }

    /// Closes the port and waits for every connection's thread to end.
    func stop() {
        shutdown(listenFD, Int32(SHUT_RDWR))
        close(listenFD)
        group.wait()
    }

    private func acceptLoop() {
        while true {
            let c = accept(listenFD, nil, nil)
            if c < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            _ = fcntl(c, F_SETFD, FD_CLOEXEC)
            var tv = timeval(tv_sec: 30, tv_usec: 0)
            setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            setsockopt(c, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
            // A small send buffer: a client that reads a little and hangs up (ffmpeg probing,
            // then seeking) has not made us decrypt megabytes it never reads.
            var buf: Int32 = 256 << 10
            setsockopt(c, SOL_SOCKET, SO_SNDBUF, &buf, socklen_t(MemoryLayout<Int32>.size))
            group.enter()
            let t = Thread { [self] in handle(c); close(c); group.leave() }
            t.start()
        }
    }

    static let window: UInt64 = 256 << 10

    /// The client went away: not an error of ours.
    private struct ClientGone: Error {}

    private func send(_ fd: Int32, _ p: UnsafeRawBufferPointer) throws {
        var off = 0
        while off < p.count {
            let n = Glibc.send(fd, p.baseAddress! + off, p.count - off, Int32(MSG_NOSIGNAL))
            if n < 0 { if errno == EINTR { continue }; throw ClientGone() }
            off += n
        }
    }

    private func send(_ fd: Int32, _ s: String) throws {
        try Array(s.utf8).withUnsafeBytes { try send(fd, $0) }
    }

    private func handle(_ fd: Int32) {
        var request: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while request.count < 16_384 {
            let n = buf.withUnsafeMutableBytes { recv(fd, $0.baseAddress!, $0.count, 0) }
            if n <= 0 { return }
            request += buf[0..<n]
            if Self.headerEnd(request) != nil { break }
        }
        guard let end = Self.headerEnd(request) else { return }
        let lines = String(decoding: request[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
        let parts = lines[0].split(separator: " ")
        guard parts.count == 3, parts[0] == "GET" || parts[0] == "HEAD" else {
            try? send(fd, "HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"); return
        }
        guard Self.sameBytes(Array(parts[1].utf8), Array("/\(token)/media".utf8)) else {
            try? send(fd, "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"); return
        }
        var start: UInt64 = 0, last: UInt64 = length == 0 ? 0 : length - 1
        var partial = false
        for line in lines.dropFirst() {
            let lower = line.lowercased()
            guard lower.hasPrefix("range:") else { continue }
            let spec = lower.dropFirst(6).trimmingCharacters(in: .whitespaces)
            guard spec.hasPrefix("bytes="), !spec.contains(",") else { continue }
            let ab = spec.dropFirst(6).split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
            guard ab.count == 2, let a = UInt64(ab[0]) else { continue }
            if a >= length {
                try? send(fd, "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */\(length)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                return
            }
            start = a
            if let b = UInt64(ab[1]) { last = min(b, length - 1) }
            guard last >= start else { return }
            partial = true
        }
        let count = length == 0 ? 0 : last - start + 1
        var head = partial ? "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes \(start)-\(last)/\(length)\r\n" : "HTTP/1.1 200 OK\r\n"
        head += "Content-Type: application/octet-stream\r\nAccept-Ranges: bytes\r\nContent-Length: \(count)\r\nConnection: close\r\n\r\n"
        do {
            try send(fd, head)
            guard parts[0] == "GET", count > 0 else { return }
            // In windows of 256 KiB (4 chunks, aligned): a client that reads a little and
            // hangs up stops the decryption within a window.
            var pos = start
            let end = start + count
            while pos < end {
                let next = min(end, (pos / Self.window + 1) * Self.window)
                try serve(pos, next - pos) { batch in
                    // Counted as decrypted, whether or not the client reads it all.
                    self.lock.lock(); self.served += UInt64(batch.count); self.lock.unlock()
                    try self.send(fd, batch)
                }
                pos = next
            }
        } catch is ClientGone {
        } catch {
            lock.lock(); if firstError == nil { firstError = error }; lock.unlock()
        }
    }

    /// Equal lengths and bytes, in time that does not depend on where they differ.
    private static func sameBytes(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var d: UInt8 = 0
        for i in a.indices { d |= a[i] ^ b[i] }
        return d == 0
    }

    private static func headerEnd(_ b: [UInt8]) -> Int? {
        guard b.count >= 4 else { return nil }
        for i in 0...(b.count - 4) where b[i] == 13 && b[i + 1] == 10 && b[i + 2] == 13 && b[i + 3] == 10 { return i }
        return nil
    }
}
