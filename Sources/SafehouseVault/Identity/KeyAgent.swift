import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SafehouseCrypto

/// A per-member key agent, in the manner of ssh-agent: one process unlocks a
/// key file once (Argon2id) and, until its time runs out or it is stopped,
/// signs and opens key slots for this user's `safehouse` commands over a Unix
/// socket. The secret keys never leave the agent; commands receive signatures
/// and the per-record keys of the slots they open, nothing more.
///
/// Who may talk to it: the socket lives in a directory only this user can
/// enter (checked, not assumed), and both ends check the other's uid with
/// `SO_PEERCRED`. Anything running as this user can use the key while the
/// agent runs — the same bargain as ssh-agent and gpg-agent, which is why the
/// agent is opt-in and has a lifetime (Docs/THREAT-MODEL.md).
///
/// Wire format (both directions): 1 byte (request: operation; response:
/// status, 0 = done, 1 = refused), 4-byte big-endian length, payload.
public enum KeyAgent {
    /// The default lifetime of an agent.
    public static let defaultTTL = 15 * 60
    /// The longest lifetime an agent accepts.
    public static let maxTTL = 12 * 3600
    static let maxPayload = 1 << 20
    /// How long one connection may take, whatever the client does.
    static let connectionSeconds = 2.0

    enum Op: UInt8 {
        case info = 1      // → sign public key ‖ box public key ‖ seconds left (UInt32 BE)
        case sign = 2      // message → 64-byte signature
        case openSlot = 3  // sealed box → its plaintext (a secret)
        case stop = 4      // → empty; the agent exits
        case sealTag = 5   // message (≤ 256 bytes) → 32-byte keyed BLAKE2b under the sealer's tag key
    }

    /// The private directory for agent sockets: `$SAFEHOUSE_AGENT_DIR`, else
    /// `$XDG_RUNTIME_DIR/safehouse`, else `~/.cache/safehouse-agent` (not /tmp,
    /// where another user could claim the name first).
    public static func directory() -> String {
        let env = ProcessInfo.processInfo.environment
        if let d = env["SAFEHOUSE_AGENT_DIR"], !d.isEmpty { return d }
        if let r = env["XDG_RUNTIME_DIR"], !r.isEmpty { return r + "/safehouse" }
        let home = env["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.cache/safehouse-agent"
    }

    /// The socket of the agent for one member key.
    public static func socketPath(for fingerprint: Fingerprint, in dir: String? = nil) -> String {
        (dir ?? directory()) + "/agent-" + fingerprint.compact + ".sock"
    }

    /// The lock an agent holds for its whole life: whoever holds it owns the socket name.
    static func lockPath(for fingerprint: Fingerprint, in dir: String) -> String {
        dir + "/agent-" + fingerprint.compact + ".lock"
    }

    /// Creates the socket directory if needed and refuses one that others
    /// could enter or that is not a plain directory owned by this user.
    @discardableResult
    static func privateDirectory(_ dir: String, creating: Bool) throws -> String {
        if creating {
            let parent = (dir as NSString).deletingLastPathComponent
            if !parent.isEmpty, !FileManager.default.fileExists(atPath: parent) {
                try? FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
            if mkdir(dir, 0o700) != 0, errno != EEXIST {
                throw VaultError.cannotCreate(object: dir, hint: "the key agent's directory cannot be created (\(String(cString: strerror(errno))))")
            }
        }
        var st = stat()
        guard lstat(dir, &st) == 0 else {
            throw VaultError.missing(object: dir, hint: "no key agent runs for this user")
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR, st.st_uid == getuid(), st.st_mode & 0o077 == 0 else {
            throw VaultError.refused(object: dir, reason: "the key agent's directory is not private to this user",
                                     hint: "it must be a directory owned by you with mode 0700 (not a link); fix or remove it")
        }
        return dir
    }

    /// Seconds on a clock that keeps counting while the machine sleeps and
    /// cannot be set back (CLOCK_BOOTTIME): lifetimes are measured on it.
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(7 /* CLOCK_BOOTTIME */, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Waits until `fd` can be read or `deadline` (on `now()`'s clock) passes;
    /// true when it can be read.
    public static func waitReadable(_ fd: Int32, until deadline: Double) -> Bool {
        while true {
            let left = deadline - now()
            guard left > 0 else { return false }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let r = poll(&p, 1, Int32(left * 1000) + 1)
            if r < 0, errno == EINTR { continue }
            return r > 0
        }
    }

    /// Parses a lifetime: `90`, `90s`, `15m`, `2h`.
    public static func parseTTL(_ text: String) -> Int? {
        var t = text.trimmingCharacters(in: .whitespaces).lowercased()
        var unit = 1
        if let last = t.last, "smh".contains(last) {
            unit = last == "s" ? 1 : last == "m" ? 60 : 3600
            t.removeLast()
        }
        guard let n = Int(t), n > 0, n <= maxTTL / unit else { return nil }
        return n * unit
    }
}

// MARK: - Socket plumbing

enum AgentSocket {
    static func make() throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw VaultError.io(object: "key agent socket", detail: String(cString: strerror(errno))) }
        return fd
    }

    static func withAddress<R>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) throws -> R {
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else {
            throw VaultError.usage("the key agent's socket path is too long (\(bytes.count) bytes); set SAFEHOUSE_AGENT_DIR to a shorter directory")
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
        return withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }

    /// The uid of the process at the other end.
    static func peerUID(_ fd: Int32) -> uid_t? {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }
        var cred: (Int32, UInt32, UInt32) = (0, 0, 0)
        var len = socklen_t(MemoryLayout.size(ofValue: cred))
        guard getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0, Int(len) == MemoryLayout.size(ofValue: cred) else { return nil }
        return cred.1
    }

    static func setTimeouts(_ fd: Int32, seconds: Int) {
        var tv = timeval(tv_sec: seconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    static func sendAll(_ fd: Int32, _ buf: UnsafeRawBufferPointer) -> Bool {
        var off = 0
        while off < buf.count {
            let n = send(fd, buf.baseAddress! + off, buf.count - off, Int32(MSG_NOSIGNAL))
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            off += n
        }
        return true
    }

    /// Reads exactly `buf.count` bytes; with a `deadline` (KeyAgent.now), gives up
    /// when it passes, however the peer dribbles its bytes.
    static func recvAll(_ fd: Int32, _ buf: UnsafeMutableRawBufferPointer, deadline: Double? = nil) -> Bool {
        var off = 0
        while off < buf.count {
            if let deadline, !KeyAgent.waitReadable(fd, until: deadline) { return false }
            let n = recv(fd, buf.baseAddress! + off, buf.count - off, 0)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return false }
            off += n
        }
        return true
    }

    static func frameHeader(_ tag: UInt8, _ length: Int) -> [UInt8] {
        [tag, UInt8(truncatingIfNeeded: length >> 24), UInt8(truncatingIfNeeded: length >> 16),
         UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)]
    }

    /// Reads a frame header: (tag, length), length bounded.
    static func readHeader(_ fd: Int32, deadline: Double? = nil) -> (UInt8, Int)? {
        var h = [UInt8](repeating: 0, count: 5)
        guard h.withUnsafeMutableBytes({ recvAll(fd, $0, deadline: deadline) }) else { return nil }
        let len = Int(h[1]) << 24 | Int(h[2]) << 16 | Int(h[3]) << 8 | Int(h[4])
        guard len <= KeyAgent.maxPayload else { return nil }
        return (h[0], len)
    }
}

// MARK: - Server

/// The agent's side: holds an unlocked identity and answers requests until its
/// deadline or a stop request. One request per connection, served in turn; a
/// connection gets at most two seconds, and nothing is answered after the deadline.
public final class KeyAgentServer: @unchecked Sendable {
    let identity: Identity
    public let socketPath: String
    let listenFD: Int32
    let lockFD: Int32
    private var closed = false

    /// Takes this key's agent lock and binds its socket (0600, in the private directory).
    /// - Throws: `cannotCreate` (73) when an agent for this key already runs.
    public init(identity: Identity, directory: String? = nil) throws {
        guard !identity.usesAgent else { throw VaultError.usage("a key agent needs the unlocked key file, not another agent") }
        let dir = try KeyAgent.privateDirectory(directory ?? KeyAgent.directory(), creating: true)
        let path = KeyAgent.socketPath(for: identity.fingerprint, in: dir)
        let lock = open(KeyAgent.lockPath(for: identity.fingerprint, in: dir), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard lock >= 0 else {
            throw VaultError.cannotCreate(object: dir, hint: "cannot create the key agent's lock (\(String(cString: strerror(errno))))")
        }
        guard flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            close(lock)
            throw VaultError.cannotCreate(object: path, hint: "a key agent for this key is already running; stop it first with `safehouse agent stop`")
        }
        // We hold the lock, so a socket left at this name is a dead agent's.
        unlink(path)
        let fd: Int32
        do { fd = try AgentSocket.make() } catch { close(lock); throw error }
        let rc = try AgentSocket.withAddress(path) { bind(fd, $0, $1) }
        let bindErrno = errno
        guard rc == 0 else {
            close(fd); close(lock)
            throw VaultError.cannotCreate(object: path, hint: "cannot bind the key agent's socket (\(String(cString: strerror(bindErrno))))")
        }
        // The directory is 0700, so the moment before this chmod exposes nothing.
        guard chmod(path, 0o600) == 0, listen(fd, 16) == 0 else {
            unlink(path); close(fd); close(lock)
            throw VaultError.cannotCreate(object: path, hint: "cannot listen on the key agent's socket")
        }
        self.identity = identity
        self.socketPath = path
        self.listenFD = fd
        self.lockFD = lock
    }

    deinit { shutdown() }

    /// Serves until `deadline` (on `KeyAgent.now()`'s clock) or a stop request,
    /// then removes the socket and releases the lock.
    public func serve(until deadline: Double) {
        defer { shutdown() }
        while true {
            let left = deadline - KeyAgent.now()
            if left <= 0 { return }
            var p = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
            let r = poll(&p, 1, Int32(min(left, 1.0) * 1000) + 1)
            if r < 0, errno == EINTR { continue }
            guard r > 0 else { continue }
            let conn = accept(listenFD, nil, nil)
            guard conn >= 0 else { usleep(10_000); continue }  // e.g. out of descriptors: do not spin
            _ = fcntl(conn, F_SETFD, FD_CLOEXEC)
            let stop = handle(conn, ttlDeadline: deadline)
            close(conn)
            if stop { return }
        }
    }

    /// Removes the socket (ours: we hold the lock), then releases the lock. Idempotent.
    public func shutdown() {
        guard !closed else { return }
        closed = true
        unlink(socketPath)
        close(listenFD)
        close(lockFD)
    }

    /// Answers one request; true when asked to stop.
    private func handle(_ fd: Int32, ttlDeadline: Double) -> Bool {
        AgentSocket.setTimeouts(fd, seconds: 2)
        guard AgentSocket.peerUID(fd) == getuid() else { return false }
        let deadline = min(KeyAgent.now() + KeyAgent.connectionSeconds, ttlDeadline)
        guard let (tag, len) = AgentSocket.readHeader(fd, deadline: deadline), let op = KeyAgent.Op(rawValue: tag) else { return false }
        var payload = [UInt8](repeating: 0, count: len)
        guard payload.withUnsafeMutableBytes({ AgentSocket.recvAll(fd, $0, deadline: deadline) }) else { return false }
        // Nothing is signed or opened once the lifetime is over.
        guard KeyAgent.now() < ttlDeadline || op == .stop else { reply(fd, status: 1, []); return true }
        switch op {
        case .info:
            let left = UInt32(max(0, min(Double(UInt32.max), (ttlDeadline - KeyAgent.now()).rounded(.up))))
            let body = identity.signPublicKey + identity.boxPublicKey +
                [UInt8(left >> 24 & 0xff), UInt8(left >> 16 & 0xff), UInt8(left >> 8 & 0xff), UInt8(left & 0xff)]
            reply(fd, status: 0, body)
            return false
        case .sign:
            guard let sig = try? identity.sign(payload) else { reply(fd, status: 1, []); return false }
            reply(fd, status: 0, sig)
            return false
        case .openSlot:
            // Failures all look alike: status 1, no detail.
            guard let secret = try? identity.openSlot(payload) else { reply(fd, status: 1, []); return false }
            let head = AgentSocket.frameHeader(0, secret.count)
            guard head.withUnsafeBytes({ AgentSocket.sendAll(fd, $0) }) else { return false }
            _ = secret.withUnsafeBytes { AgentSocket.sendAll(fd, $0) }
            return false
        case .sealTag:
            // The tag key stays here; the command gets only the tag of its message.
            guard payload.count <= Identity.sealTagMessageLimit, let tag = try? identity.sealTag(payload) else { reply(fd, status: 1, []); return false }
            reply(fd, status: 0, tag)
            return false
        case .stop:
            reply(fd, status: 0, [])
            return true
        }
    }

    private func reply(_ fd: Int32, status: UInt8, _ body: [UInt8]) {
        let frame = AgentSocket.frameHeader(status, body.count) + body
        _ = frame.withUnsafeBytes { AgentSocket.sendAll(fd, $0) }
    }
}

// MARK: - Client

/// A command's side: one connection per request to the agent for one key.
public final class KeyAgentClient: @unchecked Sendable {
    public let socketPath: String
    let signPublicKey: [UInt8]
    let boxPublicKey: [UInt8]
    /// Seconds the agent had left when it was first asked.
    public let secondsLeft: Int

    private init(socketPath: String, signPublicKey: [UInt8], boxPublicKey: [UInt8], secondsLeft: Int) {
        self.socketPath = socketPath
        self.signPublicKey = signPublicKey
        self.boxPublicKey = boxPublicKey
        self.secondsLeft = secondsLeft
    }

    /// The agent for `fingerprint`, if one runs for this user and holds exactly
    /// that key; nil otherwise (the caller then asks for the passphrase).
    /// - Throws: `refused` when the socket directory is not private.
    public static func connect(for fingerprint: Fingerprint, directory: String? = nil) throws -> KeyAgentClient? {
        let dir = directory ?? KeyAgent.directory()
        let path = KeyAgent.socketPath(for: fingerprint, in: dir)
        guard access(path, F_OK) == 0 else { return nil }
        try KeyAgent.privateDirectory(dir, creating: false)
        guard let info = try? exchange(path: path, op: .info, payload: []), info.count == 68 else { return nil }
        let spk = Array(info[0..<32]), bpk = Array(info[32..<64])
        guard Fingerprint(signKey: spk, boxKey: bpk) == fingerprint else { return nil }
        let left = Int(info[64]) << 24 | Int(info[65]) << 16 | Int(info[66]) << 8 | Int(info[67])
        return KeyAgentClient(socketPath: path, signPublicKey: spk, boxPublicKey: bpk, secondsLeft: left)
    }

    /// Asks the agent to exit and waits until it has released its lock (so its
    /// key is gone). False when none was running.
    /// - Throws: `other` when an agent answered but did not exit within 3 s.
    public static func stop(for fingerprint: Fingerprint, directory: String? = nil) throws -> Bool {
        let dir = directory ?? KeyAgent.directory()
        let path = KeyAgent.socketPath(for: fingerprint, in: dir)
        guard access(path, F_OK) == 0 else { return false }
        try KeyAgent.privateDirectory(dir, creating: false)
        guard (try? exchange(path: path, op: .stop, payload: [])) != nil else { return false }
        let lock = open(KeyAgent.lockPath(for: fingerprint, in: dir), O_RDWR | O_CLOEXEC | O_NOFOLLOW)
        guard lock >= 0 else { return true }
        defer { close(lock) }
        for _ in 0..<300 {
            if flock(lock, LOCK_EX | LOCK_NB) == 0 { flock(lock, LOCK_UN); return true }
            usleep(10_000)
        }
        throw VaultError.other("the key agent was asked to stop but is still running; end it with `pkill -f 'safehouse agent serve'`")
    }

    func sign(_ message: [UInt8]) throws -> [UInt8] {
        do {
            return try Self.exchange(path: socketPath, op: .sign, payload: message)
        } catch {
            throw VaultError.refused(object: "key agent", reason: "it did not sign (stopped or expired?)",
                                     hint: "start it again with `safehouse agent start`, or use --no-agent")
        }
    }

    /// The agent's keyed tag of `message` (duplicate detection at seal).
    func sealTag(_ message: [UInt8]) throws -> [UInt8] {
        let tag: [UInt8]
        do { tag = try Self.exchange(path: socketPath, op: .sealTag, payload: message) } catch {
            throw VaultError.refused(object: "key agent", reason: "it did not compute a seal tag (stopped, expired, or started by an older safehouse?)",
                                     hint: "restart it with `safehouse agent stop` and `safehouse agent start`, or use --no-agent")
        }
        guard tag.count == Identity.sealTagBytes else {
            throw VaultError.refused(object: "key agent", reason: "it returned a malformed seal tag", hint: "restart it, or use --no-agent")
        }
        return tag
    }

    /// The slot's plaintext, read straight into secure memory. Any failure is
    /// `CryptoError.authenticationFailed`, as for a slot opened locally.
    func openSlot(_ box: [UInt8]) throws -> SecureBytes {
        let fd = try Self.connected(path: socketPath)
        defer { close(fd) }
        let frame = AgentSocket.frameHeader(KeyAgent.Op.openSlot.rawValue, box.count) + box
        guard frame.withUnsafeBytes({ AgentSocket.sendAll(fd, $0) }),
              let (status, len) = AgentSocket.readHeader(fd), status == 0, len > 0, len <= 4096 else {
            throw CryptoError.authenticationFailed
        }
        let secret = try SecureBytes(count: len)
        guard secret.withUnsafeMutableBytes({ AgentSocket.recvAll(fd, $0) }) else { throw CryptoError.authenticationFailed }
        return secret
    }

    private static func connected(path: String) throws -> Int32 {
        let fd = try AgentSocket.make()
        AgentSocket.setTimeouts(fd, seconds: 10)
        let rc = try AgentSocket.withAddress(path) { Glibc.connect(fd, $0, $1) }
        // The agent must run as this user: a socket planted by anyone else is not ours to trust.
        guard rc == 0, AgentSocket.peerUID(fd) == getuid() else {
            close(fd)
            throw VaultError.missing(object: path, hint: "no key agent answers there")
        }
        return fd
    }

    /// One request, one non-secret response payload.
    static func exchange(path: String, op: KeyAgent.Op, payload: [UInt8]) throws -> [UInt8] {
        guard payload.count <= KeyAgent.maxPayload else { throw VaultError.usage("request too large for the key agent") }
        let fd = try connected(path: path)
        defer { close(fd) }
        let frame = AgentSocket.frameHeader(op.rawValue, payload.count) + payload
        guard frame.withUnsafeBytes({ AgentSocket.sendAll(fd, $0) }), let (status, len) = AgentSocket.readHeader(fd) else {
            throw VaultError.io(object: "key agent", detail: "no answer")
        }
        var body = [UInt8](repeating: 0, count: len)
        guard body.withUnsafeMutableBytes({ AgentSocket.recvAll(fd, $0) }) else { throw VaultError.io(object: "key agent", detail: "short answer") }
        guard status == 0 else { throw VaultError.refused(object: "key agent", reason: "request refused", hint: "") }
        return body
    }
}
