import Foundation
import GRDB
import SafehouseCrypto
import SafehouseRedaction

/// Media excerpts: approve and export of clips of recordings and photos (issue 18). The
/// body layout is in `MediaExcerptBody`; no plaintext reaches a disk: ffmpeg reads the
/// source from a `LoopbackSource` and writes into a pipe that is encrypted as it arrives.
extension Vault {
    /// Margins around an identity's words: measured word times are off by a word's
    /// fraction; estimated ones by much more.
    static let measuredMarginMs = 200
    static let estimatedMarginMs = 750

    /// The payload of an excerpt (text or media), without keeping the clip.
    func excerptPayloadBytes(_ opened: OpenedObject) throws -> [UInt8] {
        let split = MediaExcerptBody.Splitter()
        try decryptBody(opened) { try split.take($0) }
        return try split.finish()
    }

    /// An excerpt's payload, and whether a clip follows it: a media excerpt's body is
    /// decrypted only as far as its payload (each chunk authenticated as it is read).
    func excerptPayloadPrefix(_ opened: OpenedObject) throws -> (payload: [UInt8], isMedia: Bool) {
        var found: [UInt8]?
        let split = MediaExcerptBody.Splitter(onPayload: { found = $0; throw PayloadRead() })
        do { try decryptBody(opened) { try split.take($0) } } catch is PayloadRead {}
        if let found { return (found, true) }
        return (try split.finish(), false)
    }

    /// Seals a copy of a media excerpt with another payload and the same clip. The clip
    /// streams from the old body through a pipe into the new one (constant memory, as at
    /// approve); a clip that fails to decrypt, or arrives short, fails the copy.
    /// - Parameter oldPayload: the parent's payload (`excerptPayloadPrefix`).
    func stageMediaCopy(of parent: OpenedObject, replacing oldPayload: [UInt8], with payload: [UInt8], metadata: RecordMetadata,
                        recipients: [MemberCard], signer: Identity, object: String, label: String) throws -> StagedObject {
        let oldPrefix = UInt64(MediaExcerptBody.prefix(payload: oldPayload).count)
        guard parent.header.plaintextLength >= oldPrefix else { throw VaultError.badData(object: object, hint: "its content does not parse") }
        let clipLength = parent.header.plaintextLength - oldPrefix
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw VaultError.io(object: object, detail: String(cString: strerror(errno))) }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        signal(SIGPIPE, SIG_IGN)  // a reader that stops early must fail the writer's write, not kill us
        let readFD = fds[0], writeFD = fds[1]
        let feed = FeedState()
        let done = DispatchSemaphore(value: 0)
        let me = Unchecked(self), source = Unchecked(parent)
        Thread {
            do {
                let split = MediaExcerptBody.Splitter(clip: { try PosixIO.write(writeFD, $0, object: object) })
                try me.value.decryptBody(source.value) { try split.take($0) }
                _ = try split.finish()
            } catch { feed.fail(error) }
            close(writeFD)
            done.signal()
        }.start()
        let staged: StagedObject
        do {
            staged = try stageStream(type: .excerpt, prefix: MediaExcerptBody.prefix(payload: payload), from: readFD, metadata: metadata,
                                     recipients: recipients, signer: signer, object: object, label: label)
        } catch {
            close(readFD); done.wait()
            throw error
        }
        close(readFD); done.wait()
        if let e = feed.error { staged.output.discard(); throw e }
        guard staged.header.plaintextLength == UInt64(MediaExcerptBody.prefix(payload: payload).count) + clipLength else {
            staged.output.discard()
            throw VaultError.badData(object: object, hint: "its clip did not copy whole")
        }
        return staged
    }

    /// Checks `seal PATH --of MEDIA`: the recording is a record of this vault and the
    /// file a transcript that parses (json, srt, vtt or txt).
    func checkTranscriptLink(_ path: String, to media: String) throws {
        _ = try store.read { db in
            let h = try loadHeader(db, id: media)
            guard h.type == .record else { throw VaultError.missing(object: "record \(media)", hint: "--of names the recording (a record id)") }
        }
        let ext = path.lastIndex(of: ".").map { String(path[path.index(after: $0)...]) } ?? ""
        guard WordTimeline.readsExtension(ext) else {
            throw VaultError.usage("\(path): --of seals a transcript (.json Whisper-style, .srt, .vtt or .txt)")
        }
        guard let text = String(bytes: try readSmallFile(path, maxBytes: 64 << 20), encoding: .utf8) else {
            throw VaultError.badData(object: path, hint: "the transcript is not UTF-8 text")
        }
        do { _ = try WordTimeline.parse(text, fileExtension: ext) } catch {
            throw VaultError.badData(object: path, hint: "the transcript does not parse: \(error)")
        }
    }

    /// Every transcript linked to `media` that the officer can read, parsed, oldest first.
    /// All of them place bleeps: a later transcript that leaves a name out (by mistake or
    /// on purpose) cannot unbleep what an earlier one found.
    func linkedTranscripts(of media: String, by officer: Identity) throws -> [(id: String, timeline: WordTimeline)] {
        let linked = try store.read { db in
            try objects(db, types: [.record], readableBy: officer).filter { $0.metadata?.transcriptOf == media }
        }
        return try linked.map { t in
            let opened = try access(id: t.id, identity: officer, action: "approve")
            guard let text = String(bytes: try decryptSmall(opened), encoding: .utf8) else {
                throw VaultError.badData(object: "record \(t.id)", hint: "the linked transcript is not UTF-8 text")
            }
            let name = t.metadata?.fileName ?? ""
            let ext = name.lastIndex(of: ".").map { String(name[name.index(after: $0)...]) } ?? ""
            do { return (t.id, try WordTimeline.parse(text, fileExtension: ext)) } catch {
                throw VaultError.badData(object: "record \(t.id)", hint: "the linked transcript does not parse: \(error)")
            }
        }
    }

    /// A loopback endpoint serving the decrypted bytes of `opened` (verified chunk by chunk).
    private func sourceEndpoint(_ opened: OpenedObject, fd: Int32, leaves: [UInt8]) throws -> LoopbackSource {
        let header = opened.header
        let cipher = try header.cipher(key: opened.bodyKey)
        let object = "record \(header.idText)"
        return try LoopbackSource(length: header.plaintextLength) { start, length, sink in
            try BodyCodec.decryptRange(from: fd, header: header, cipher: cipher, leaves: leaves, start: start, length: length,
                                       object: object, sink: sink)
        }
    }

    /// Runs ffmpeg/ffprobe on a fresh endpoint, which is closed when the tool is done.
    /// - Parameter served: plaintext bytes the endpoint sent are added to it.
    private func withEndpoint<T>(_ opened: OpenedObject, fd: Int32, leaves: [UInt8], served: inout UInt64,
                                 _ body: (LoopbackSource) throws -> T) throws -> T {
        let ep = try sourceEndpoint(opened, fd: fd, leaves: leaves)
        let result: T
        do { result = try body(ep) } catch { ep.stop(); throw ep.error ?? error }
        ep.stop()
        served += ep.bytesServed
        if let e = ep.error { throw e }
        return result
    }

    /// Approves a clip of a recording or a photo (see `approve`).
    func approveMedia(_ opened: OpenedObject, kind: MediaKind, range: (Int, Int)?, approval: MediaApproval,
                      acceptUnknownNames: Bool, by officer: Identity) throws -> String {
        let recordID = opened.header.idText
        let object = "record \(recordID)"
        if kind == .image {
            guard range == nil, approval.bleep == .tone, approval.voice == .keep, !approval.noTranscriptCheck,
                  approval.boxes.allSatisfy({ $0.fromMs == nil }) else {
                throw VaultError.usage("\(object) is a photo: it takes --blur-box X,Y,W,H and --video keep|blur|black only")
            }
        } else if range == nil {
            throw VaultError.usage("\(object) is a recording: give --range hh:mm:ss-hh:mm:ss (the clip to approve)")
        }
        let (from, to) = range ?? (0, 0)
        let linked = kind == .image ? [] : try linkedTranscripts(of: recordID, by: officer)
        if kind != .image, linked.isEmpty, !approval.noTranscriptCheck {
            try store.write { db in
                try refuse(db, actor: officer, action: "approve", objects: [recordID], reason: "no-transcript",
                           .refused(object: object, reason: "it has no linked transcript, so the names said in it cannot be checked",
                                    hint: "seal its transcript with `safehouse seal T --of \(recordID) …`, or pass --no-transcript-check to approve it unchecked (recorded in the provenance)"))
            }
        }
        let subjects = try approvalSubjects(opened, recordID: recordID, by: officer)
        var spans: [BleepSpan] = []
        var cues: [Cue] = []
        var mentioned = Set(opened.metadata.subject.map { [$0] } ?? [])
        var unknownAccepted: Int?
        let estimated = linked.contains { $0.timeline.estimated }
        let margin = estimated ? Self.estimatedMarginMs : Self.measuredMarginMs
        if !linked.isEmpty {
            let redactor: Redactor
            do { redactor = try Redactor(subjects: subjects.subjects) } catch {
                throw VaultError.badData(object: "subjects", hint: "\(error)")
            }
            for (k, l) in linked.enumerated() {
                // Spans over the whole recording, then cut to the clip: a name said across the
                // clip's start is bleeped in the part that is in the clip.
                spans += redactor.bleepSpans(l.timeline, marginMs: l.timeline.estimated ? Self.estimatedMarginMs : Self.measuredMarginMs).compactMap { s in
                    let a = max(s.startMs, from), b = min(s.endMs, to)
                    return b > a ? BleepSpan(startMs: a - from, endMs: b - from, kind: s.kind) : nil
                }
                // Every linked transcript is redacted fail closed (consent, leak check, unknown
                // names); the newest is the excerpt's transcript.
                let clipWords = l.timeline.clipped(fromMs: from, toMs: to).transcript()
                guard !clipWords.cues.isEmpty else { continue }
                let r = try redactForApproval(clipWords, subjects: subjects, opened: opened, recordID: recordID,
                                              acceptUnknownNames: acceptUnknownNames, by: officer)
                mentioned.formUnion(r.mentioned)
                if let n = r.unknownAccepted { unknownAccepted = max(unknownAccepted ?? 0, n) }
                if k == linked.count - 1 { cues = SubtitleTiming.normalized(r.result.transcript.cues, followedBy: to - from) }
            }
            spans = BleepSpan.merged(spans)
        }
        let transcriptID = linked.last?.id
        let timeline = linked.last?.timeline
        let fd = Foundation.open(bodyPath(opened.header), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw VaultError.badData(object: object, hint: "its encrypted body file is missing; run `safehouse check`") }
        defer { close(fd) }
        let leaves = try verifiedLeaves(opened.header, fd: fd)
        var served: UInt64 = 0
        let probe = try withEndpoint(opened, fd: fd, leaves: leaves, served: &served) { ep -> MediaProbe in
            var out: [UInt8] = []
            try FFmpeg.run("ffprobe", FFmpeg.inputOptions + MediaProbe.arguments + [ep.url], object: object) {
                out = try FFmpeg.readAll($0, limit: 1 << 20)
            }
            return MediaProbe.parse(out)
        }
        guard probe.hasVideo || probe.hasAudio, kind != .image || probe.hasVideo else {
            throw VaultError.badData(object: object, hint: "ffprobe finds no audio or picture in it")
        }
        var end = to
        if kind != .image, let d = probe.durationMs {
            guard from < d else {
                throw VaultError.badData(object: object, hint: "the range starts at \(MediaClock.text(from)), after the recording ends (\(MediaClock.text(d)))")
            }
            end = min(to, d)
        }
        guard !probe.hasVideo || probe.rotationIsRightAngle else {
            throw VaultError.refused(object: object, reason: "its picture is turned by \(String(format: "%g", probe.rotation))°, which the excerpt's filters cannot apply exactly",
                                     hint: "re-encode the source upright (or a quarter turn) and seal that")
        }
        guard approval.boxes.isEmpty || !probe.hasNonSquarePixels else {
            throw VaultError.refused(object: object, reason: "its pixels are not square (aspect \(probe.sampleAspectRatio)): a player stretches the picture, so a box measured on it would not cover the same pixels",
                                     hint: "re-encode the source with square pixels (ffmpeg -vf scale=iw*sar:ih,setsar=1) and seal that, or use --video blur|black")
        }
        // Boxes are in the picture as shown (after a phone video's or photo's rotation), as
        // ffmpeg's filters see it; one outside it would be moved, not refused, by crop.
        for b in approval.boxes where probe.hasVideo && (probe.width <= 0 || b.x + b.width > probe.width || b.y + b.height > probe.height) {
            throw VaultError.usage("--blur-box \(b.text) reaches outside the picture (\(probe.width)x\(probe.height) as shown)")
        }
        guard probe.hasVideo || (approval.boxes.isEmpty && approval.video == .keep) else {
            throw VaultError.usage("\(object) has no picture: --video and --blur-box do not apply")
        }
        // Box times are the source's, like --range; the filter's are the clip's.
        let boxes = approval.boxes.compactMap { b -> BlurBox? in
            guard let a = b.fromMs, let z = b.toMs else { return b }
            let s = max(a, from) - from, e = min(z, end) - from
            guard e > s else { return nil }
            var c = b; c.fromMs = s; c.toMs = e
            return c
        }
        let graph = MediaPlan.graph(probe: probe, spans: spans, approval: approval, boxes: boxes)
        let ffmpegVersion = try FFmpeg.version()
        let provenance = RecordMetadata.Provenance(
            sourceRecord: recordID, range: kind == .image ? nil : "\(MediaClock.text(from))-\(MediaClock.text(end))",
            format: kind == .image ? "png" : "matroska",
            policyHash: Encoding.hex(GenericHash.hash(Array(Self.redactionPolicy.utf8), length: 16)),
            lexiconHash: try lexiconVersion(), approver: officer.fingerprint.compact, approvedAt: isoNow(),
            unknownNamesAccepted: unknownAccepted, media: kind.rawValue, transcriptRecord: transcriptID,
            wordTiming: timeline.map { _ in estimated ? "estimated" : "measured" },
            transcriptCheck: kind != .image && timeline == nil ? "skipped" : nil,
            bleeps: kind == .image ? nil : spans, bleepMarginMs: timeline == nil ? nil : margin,
            bleep: probe.hasAudio ? approval.bleep.rawValue : nil, voice: probe.hasAudio ? approval.voice.rawValue : nil,
            video: probe.hasVideo ? approval.video.rawValue : nil, blurBoxes: approval.boxes.isEmpty ? nil : approval.boxes.map(\.text),
            ffmpeg: ffmpegVersion)
        let info = MediaInfo(kind: kind, container: kind == .image ? "png" : "matroska", hasVideo: probe.hasVideo, hasAudio: probe.hasAudio && kind != .image,
                             durationMs: kind == .image ? nil : end - from, width: probe.hasVideo ? probe.width : nil, height: probe.hasVideo ? probe.height : nil)
        var payload = ExcerptPayload(format: provenance.format, cues: cues, pseudonyms: mentioned.sorted(), provenance: provenance)
        payload.media = info
        let enc = JSONEncoder(); enc.outputFormatting = [.sortedKeys]
        let prefix = MediaExcerptBody.prefix(payload: [UInt8](try enc.encode(payload)))
        let meta = RecordMetadata(kind: opened.metadata.kind, country: opened.metadata.country, subject: opened.metadata.subject,
                                  fileName: nil, sealedAt: isoNow(), sealer: officer.fingerprint.compact, provenance: provenance)
        let officers = try members().filter { $0.isActive && $0.card.role == .officer }.map(\.card)
        var staged: StagedObject?
        do {
            try withEndpoint(opened, fd: fd, leaves: leaves, served: &served) { ep in
                let args = kind == .image ? MediaPlan.photoArguments(url: ep.url, graph: graph)
                    : MediaPlan.clipArguments(url: ep.url, fromMs: from, durationMs: end - from, graph: graph, probe: probe)
                try FFmpeg.run("ffmpeg", args, object: object) { out in
                    staged = try stageStream(type: .excerpt, prefix: prefix, from: out, metadata: meta, recipients: officers,
                                             signer: officer, object: object, label: "v1")
                }
            }
        } catch { staged?.output.discard(); throw error }
        guard let staged, staged.header.plaintextLength > UInt64(prefix.count) else {
            staged?.output.discard()
            throw VaultError.io(object: object, detail: "ffmpeg wrote no clip")
        }
        try staged.output.flush()
        try staged.output.commit(overwrite: false, as: bodyPath(staged.header))
        // How much of the original was decrypted (random access: a clip reads about its share).
        try commitExcerpt(staged.header, recordID: recordID, mentioned: payload.pseudonyms, lexiconHash: provenance.lexiconHash, by: officer,
                          extraObjects: ["source-bytes:\(served)/\(opened.header.plaintextLength)"])
        return staged.header.idText
    }

    /// Encrypts `prefix` and then all of `fd` into an unnamed body file and signs the
    /// header, as `stageObject` does for a body of known length.
    func stageStream(type: ObjectType, prefix: [UInt8], from fd: Int32, metadata: RecordMetadata, recipients: [MemberCard],
                     signer: Identity, object: String, id fixedID: [UInt8]? = nil, label: String) throws -> StagedObject {
        let id = fixedID ?? Random.bytes(RecordHeader.idBytes)
        let recordKey = try SecureBytes.random(count: KeyDerivation.keyBytes)
        let bodyKey = try KeyDerivation.derive(from: recordKey, id: 1, context: Self.kdfContext)
        let cipher = try ChunkCipher(key: bodyKey, hashing: .sha256(objectID: id))
        let out = try newBodyOutput(for: object)
        let sealed: BodyCodec.Sealed, length: UInt64
        do {
            (sealed, length) = try BodyCodec.encryptStream(prefix: prefix, from: fd, cipher: cipher, to: out, object: object,
                                                           maxBytes: MediaExcerptBody.maxClipBytes + UInt64(prefix.count))
        } catch { out.discard(); throw error }
        let header = try signedHeader(type: type, id: id, recordKey: recordKey, chunkSize: cipher.chunkSize, length: length,
                                      bodyHash: sealed.bodyHash, metadata: metadata, recipients: recipients, signer: signer, label: label)
        return StagedObject(header: header, output: out, content: nil, recordKey: recordKey, leaves: sealed.leaves)
    }

    /// Exports a media excerpt's clip to `path` in the container its extension names
    /// (mkv, mp4, wav, flac; png or jpg for a photo), for a member with a valid grant.
    /// The clip is decrypted into ffmpeg's standard input; ffmpeg's output goes to an
    /// unnamed file in the destination folder, named only after the body verified and
    /// the audit entry is durable.
    public func exportMedia(excerptID: String, to path: String, overwrite: Bool, by member: Identity) throws {
        let object = "excerpt \(excerptID)"
        guard let output = MediaPlan.Output.of(path: path) else {
            throw VaultError.usage("cannot tell the media container from \(path): use .mkv, .mp4, .wav or .flac (.png or .jpg for a photo)")
        }
        let (opened, copy) = try authorizeExport(excerptID: excerptID, by: member)
        let out = try AtomicOutput(path: path, overwrite: overwrite)
        do {
            var info: MediaInfo?
            var checked = false
            let check: ([UInt8]) throws -> Void = { [self] bytes in
                guard let payload = try? JSONDecoder().decode(ExcerptPayload.self, from: Data(bytes)), let media = payload.media else {
                    throw VaultError.usage("\(object) is a text excerpt: export it with --format txt|md|json|srt|vtt")
                }
                try checkExportPayload(payload, excerptID: excerptID, copy: copy, by: member)
                switch (media.kind, output) {
                case (.image, .png), (.image, .jpg): break
                case (.image, _): throw VaultError.usage("\(object) is a photo: export it as .png or .jpg")
                case (_, .png), (_, .jpg): throw VaultError.usage("\(object) is a clip: export it as .mkv, .mp4, .wav or .flac")
                case (_, .wav), (_, .flac): guard media.hasAudio else { throw VaultError.usage("\(object) has no sound: export it as .mkv or .mp4") }
                default: break
                }
                info = media
                checked = true
            }
            if output == .png {
                // The stored photo is already a stripped PNG: written as it is.
                let split = MediaExcerptBody.Splitter(onPayload: check) { try out.write($0) }
                try decryptBody(opened) { try split.take($0) }
                _ = try split.finish()
            } else {
                // The first batch holds the payload: read it before ffmpeg starts.
                let split0 = MediaExcerptBody.Splitter(onPayload: { try check($0); throw PayloadRead() })
                do { try decryptBody(opened) { try split0.take($0) } } catch is PayloadRead {}
                guard checked, let media = info else { throw VaultError.badData(object: object, hint: "its content does not parse") }
                let args = MediaPlan.exportArguments(output, hasVideo: media.hasVideo, hasAudio: media.hasAudio)
                try FFmpeg.run("ffmpeg", args, object: object, feed: { [self] stdin in
                    let split = MediaExcerptBody.Splitter(clip: { try FFmpeg.writeAll(stdin, $0) })
                    try decryptBody(opened) { try split.take($0) }
                    _ = try split.finish()
                }, outputFD: out.fd, consume: { _ in })
            }
            guard checked else { throw VaultError.badData(object: object, hint: "its content does not parse") }
            try out.flush()
            try store.write { db in
                try appendAudit(db, actor: member, action: "export", objects: [excerptID, "format:" + output.rawValue], outcome: .ok)
            }
            try out.commit(overwrite: overwrite)
        } catch { out.discard(); throw error }
    }

    /// Stops the decryption once the payload was read.
    private struct PayloadRead: Error {}
}

/// The clip feeder's error, handed to the sealing thread under a lock.
private final class FeedState: @unchecked Sendable {
    private let lock = NSLock()
    private var failure: Error?
    func fail(_ e: Error) { lock.lock(); if failure == nil { failure = e }; lock.unlock() }
    var error: Error? { lock.lock(); defer { lock.unlock() }; return failure }
}
