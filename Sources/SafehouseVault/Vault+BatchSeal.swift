import Foundation
import GRDB
import SafehouseCrypto

/// Sealing many files in one command (an SD card after a day of shooting).
///
/// One unlock, one recipient decision, then file after file: each is read once
/// (encrypted on every core while its `ContentDigest` is taken), its body left
/// in an unnamed file. Every few dozen files (or 256 MiB) the group is
/// committed together: the bodies are fsynced, named, the folder synced once,
/// and one SQLite transaction inserts the headers, their audit entries and seal
/// tags. A crash loses at most the uncommitted group — never a record already
/// reported, and never half a record (an unnamed body vanishes; a named one
/// without its row is an orphan `check --prune` removes, as for one seal).
extension Vault {
    /// Files per commit, and plaintext bytes per commit.
    static let sealGroupFiles = 64
    static let sealGroupBytes: UInt64 = 256 << 20

    /// A file read, encrypted and tagged, waiting for its group's commit.
    private final class PendingSeal {
        let index: Int
        let staged: StagedObject
        let tag: [UInt8]
        let size: UInt64
        var duplicateOf: String?
        var named = false
        init(index: Int, staged: StagedObject, tag: [UInt8], size: UInt64) {
            self.index = index; self.staged = staged; self.tag = tag; self.size = size
        }
    }

    /// Seals `inputs` as records with the same request; results come in input
    /// order, each one (through `report`) once it is final — a sealed file only
    /// after its record is durable.
    /// - Parameters:
    ///   - skipSealed: a file this sealer already sealed in this vault (or earlier
    ///     in the batch) is not sealed again; its record id is reported instead.
    ///   - progress: bytes done and total over the whole batch.
    /// - Throws: only what stops the whole batch (a bad request, a refused sealer,
    ///   a vault that cannot be written); a file's own failure is in its result.
    @discardableResult
    public func seal(_ inputs: [SealInput], request: SealRequest, skipSealed: Bool, by sealer: Identity,
                     progress: ((UInt64, UInt64) -> Void)? = nil, report: (SealResult) -> Void = { _ in }) throws -> [SealResult] {
        var request = request
        try Self.validate(&request)
        var results = [SealResult?](repeating: nil, count: inputs.count)
        var sizes = [UInt64](repeating: 0, count: inputs.count)
        for (i, input) in inputs.enumerated() {
            if let d = input.decided { results[i] = SealResult(path: input.path, size: nil, outcome: d, removalError: nil); continue }
            do { sizes[i] = try Self.statInput(input) } catch let e as VaultError {
                results[i] = SealResult(path: input.path, size: nil, outcome: .failed(e), removalError: nil)
            }
        }
        let total = sizes.reduce(0, +)
        guard results.contains(where: { $0 == nil }) else {
            results.forEach { report($0!) }
            return results.map { $0! }
        }
        let recipients = try sealRecipients(request, by: sealer)
        if let media = request.transcriptOf {
            for i in inputs.indices where results[i] == nil {
                do { try checkTranscriptLink(inputs[i].path, to: media) } catch let e as VaultError {
                    results[i] = SealResult(path: inputs[i].path, size: sizes[i], outcome: .failed(e), removalError: nil)
                }
            }
        }
        var duplicateOf: [Int: Int] = [:]   // input → earlier input of the batch with the same content
        var seen: [[UInt8]: Int] = [:]
        var pending: [PendingSeal] = []
        var pendingBytes: UInt64 = 0
        var done: UInt64 = 0
        var emitted = 0

        func emit() {
            while emitted < inputs.count {
                if results[emitted] == nil, let j = duplicateOf[emitted], let first = results[j] {
                    let outcome: SealOutcome
                    switch first.outcome {
                    case .sealed(let id), .duplicate(let id): outcome = .duplicate(id: id)
                    default: outcome = first.outcome
                    }
                    results[emitted] = SealResult(path: inputs[emitted].path, size: sizes[emitted], outcome: outcome, removalError: nil)
                }
                guard let r = results[emitted] else { return }
                report(r)
                emitted += 1
            }
        }

        func commitPending() throws {
            guard !pending.isEmpty else { return }
            let group = pending
            pending = []; pendingBytes = 0
            try commitGroup(group, skipSealed: skipSealed, by: sealer)
            for p in group {
                let path = inputs[p.index].path
                if let id = p.duplicateOf {
                    results[p.index] = SealResult(path: path, size: p.size, outcome: .duplicate(id: id), removalError: nil)
                    continue
                }
                var removal: VaultError?
                if request.removeOriginal {
                    do { try removeVerifiedOriginal(p, path: path, by: sealer) } catch let e as VaultError { removal = e }
                }
                results[p.index] = SealResult(path: path, size: p.size, outcome: .sealed(id: p.staged.header.idText), removalError: removal)
            }
        }

        for (i, input) in inputs.enumerated() where results[i] == nil {
            let base = done
            do {
                let (staged, size) = try stageFile(input, request: request, recipients: recipients, by: sealer) { d, _ in
                    progress?(base + d, total)
                }
                let tag = try sealTag(content: staged.content!, by: sealer)
                if let j = seen[tag], skipSealed {
                    staged.output.discard()
                    duplicateOf[i] = j
                } else {
                    if seen[tag] == nil { seen[tag] = i }
                    pending.append(PendingSeal(index: i, staged: staged, tag: tag, size: size))
                    pendingBytes += size
                }
            } catch let e as VaultError {
                results[i] = SealResult(path: input.path, size: sizes[i], outcome: .failed(e), removalError: nil)
            } catch {
                results[i] = SealResult(path: input.path, size: sizes[i], outcome: .failed(.io(object: input.path, detail: "\(error)")), removalError: nil)
            }
            done += sizes[i]
            progress?(done, total)
            if pending.count >= Self.sealGroupFiles || pendingBytes >= Self.sealGroupBytes { try commitPending() }
            emit()
        }
        try commitPending()
        emit()
        return results.map { $0! }
    }

    /// The size of a file about to be sealed, or why it cannot be.
    static func statInput(_ input: SealInput) throws -> UInt64 {
        var st = stat()
        let rc = input.inTree ? lstat(input.path, &st) : stat(input.path, &st)
        guard rc == 0 else {
            if errno == ENOENT { throw VaultError.missing(object: input.path, hint: "check the file name") }
            throw VaultError.io(object: input.path, detail: String(cString: strerror(errno)))
        }
        try requireRegular(st, path: input.path)
        return UInt64(st.st_size)
    }

    static func requireRegular(_ st: stat, path: String) throws {
        switch st.st_mode & S_IFMT {
        case S_IFREG: return
        case S_IFDIR: throw VaultError.usage("\(path) is not a regular file: it is a folder; name its files or use --recursive \(path)")
        default: throw VaultError.usage("\(path) is not a regular file")
        }
    }

    /// Reads, encrypts and signs one file into an unnamed body; refuses a file
    /// that changed while it was read (size, modification or change time).
    private func stageFile(_ input: SealInput, request: SealRequest, recipients: [MemberCard], by sealer: Identity,
                           progress: @escaping BodyCodec.Progress) throws -> (StagedObject, UInt64) {
        let path = input.path
        // O_NONBLOCK: opening a FIFO named by mistake must not hang; reads of regular files ignore it.
        let fd = Foundation.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (input.inTree ? O_NOFOLLOW : 0))
        guard fd >= 0 else {
            if errno == ENOENT { throw VaultError.missing(object: path, hint: "check the file name") }
            if errno == ELOOP { throw VaultError.usage("\(path) became a symbolic link while the folder was read; not followed") }
            throw VaultError.io(object: path, detail: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var before = stat()
        guard fstat(fd, &before) == 0 else { throw VaultError.io(object: path, detail: String(cString: strerror(errno))) }
        try Self.requireRegular(before, path: path)
        let meta = RecordMetadata(kind: request.kind, country: request.country, subject: request.subject,
                                  fileName: String(path.split(separator: "/").last ?? Substring(path)), sealedAt: isoNow(), status: request.status,
                                  rating: request.rating, note: request.note, sealer: sealer.fingerprint.compact, provenance: nil,
                                  transcriptOf: request.transcriptOf)
        let size = UInt64(before.st_size)
        let staged = try stageObject(type: .record, source: .file(fd), length: size, metadata: meta, recipients: recipients,
                                     signer: sealer, object: path, progress: progress, digest: true)
        var after = stat()
        guard fstat(fd, &after) == 0, after.st_size == before.st_size,
              after.st_mtim.tv_sec == before.st_mtim.tv_sec, after.st_mtim.tv_nsec == before.st_mtim.tv_nsec,
              after.st_ctim.tv_sec == before.st_ctim.tv_sec, after.st_ctim.tv_nsec == before.st_ctim.tv_nsec else {
            staged.output.discard()
            throw VaultError.io(object: path, detail: "the file changed while it was being sealed; nothing was stored for it")
        }
        return (staged, size)
    }

    /// Makes a group durable: bodies fsynced (in parallel, so the file system
    /// can share journal commits), then in one transaction each checked against
    /// the seal tags, named, and recorded with its audit entry and tag. A body
    /// found to be a duplicate is dropped unnamed. On failure nothing of the
    /// group stays named.
    private func commitGroup(_ group: [PendingSeal], skipSealed: Bool, by sealer: Identity) throws {
        var flushErrors = [Error?](repeating: nil, count: group.count)
        flushErrors.withUnsafeMutableBufferPointer { errs in
            let out = Unchecked(errs.baseAddress!), items = Unchecked(group)
            DispatchQueue.concurrentPerform(iterations: group.count) { k in
                do { try items.value[k].staged.output.flush() } catch { out.value[k] = error }
            }
        }
        if let e = flushErrors.compactMap({ $0 }).first { group.forEach { $0.staged.output.discard() }; throw e }
        do {
            try store.write { db in
                for p in group {
                    let genuine = try sealedRecord(db, tag: p.tag, by: sealer)
                    if skipSealed, let genuine { p.duplicateOf = genuine; continue }
                    try p.staged.output.commit(overwrite: false, as: bodyPath(p.staged.header), syncDirectory: false)
                    p.named = true
                    try insertObject(db, p.staged.header, leaves: p.staged.leaves)
                    // The record's subject stays in its sealed metadata: an entry linking a record
                    // to a pseudonym would show a seized laptop (and every bundle) who is in what.
                    try appendAudit(db, actor: sealer, action: "seal", objects: [p.staged.header.idText], outcome: .ok)
                    try insertSealTag(db, tag: p.tag, header: p.staged.header, by: sealer, replacing: genuine == nil)
                }
                if group.contains(where: \.named) { AtomicOutput.syncDirectory(objectsDirectory) }
            }
        } catch {
            for p in group where p.named { unlink(bodyPath(p.staged.header)) }
            group.forEach { $0.staged.output.discard() }
            throw error
        }
        for p in group where p.duplicateOf != nil { p.staged.output.discard() }
    }

    /// `--remove-original`: re-reads and decrypts the stored body, and only when it
    /// matches the original's digest overwrites and unlinks the original.
    private func removeVerifiedOriginal(_ p: PendingSeal, path: String, by sealer: Identity) throws {
        try verifyStoredBody(header: p.staged.header, recordKey: p.staged.recordKey, expectedPlainHash: p.staged.content ?? [])
        try Self.removeOriginal(path: path, size: p.size)
        try audit(actor: sealer, action: "remove-original", objects: [p.staged.header.idText], outcome: .ok)
    }
}
