import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import NIOCore
import PostgresNIO
import SafehouseCrypto
import SafehouseVault

/// The member a verified request came from.
struct Caller: Sendable {
    let fingerprint: String
    let role: Role
    let card: MemberCard
    var isOfficer: Bool { role == .officer }
}

/// Checks a request's signature (Docs/SERVER.md, "Request signatures") against
/// the newest published keyring: present, fresh (± `SignedRequest.window`), by an
/// active member, signature valid, nonce never seen. Every failure is 401.
struct Authenticator {
    let state: ServerState

    /// Reads the body (at most `maxBody` bytes, else 413) and authenticates the request.
    /// - Parameter bootstrap: for the first `team publish`: the keyring in the body
    ///   itself names the officer who may publish it.
    func authenticate(_ request: inout Request, bootstrap: ((ByteBuffer) throws -> TeamKeyring?)? = nil) async throws -> (Caller, ByteBuffer) {
        let body = try await request.collectBody(upTo: state.maxBody)
        func header(_ name: String) -> String? { HTTPField.Name(name).flatMap { request.headers[$0] } }
        guard let memberText = header(SignedRequest.memberHeader), let timeText = header(SignedRequest.timeHeader),
              let nonce = header(SignedRequest.nonceHeader), let sigText = header(SignedRequest.signatureHeader) else {
            throw ServerFailure.unauthorized("unsigned request: every request carries the Safehouse-Member, -Time, -Nonce and -Signature headers")
        }
        guard let time = Int64(timeText), let member = Fingerprint(text: memberText), member.compact == memberText,
              SignedRequest.isValidNonce(nonce), let sig = Data(base64Encoded: sigText), sig.count == Signature.bytes else {
            throw ServerFailure.unauthorized("malformed signature headers")
        }
        let now = ServerState.now()
        guard abs(now - time) <= SignedRequest.window else {
            throw ServerFailure.unauthorized("stale request: its time is more than \(SignedRequest.window) s from the server's clock (check the clock)")
        }
        var ring = try await state.currentKeyring()
        if ring == nil, let bootstrap { ring = try bootstrap(body) }
        guard let ring else { throw ServerFailure.unauthorized("no keyring is published yet: an officer runs `safehouse team publish` first") }
        guard let entry = ring.members.first(where: { $0.card.fingerprint == member }) else {
            throw ServerFailure.unauthorized("not a member of the published keyring")
        }
        guard entry.status == "active" else {
            throw ServerFailure.unauthorized("this member's key is \(entry.status) in the published keyring")
        }
        let signed = SignedRequest(method: request.method.rawValue, path: request.head.path ?? "/",
                                   bodySHA256: body.withUnsafeReadableBytes { b in let h = ContentSHA256(); h.update(b); return h.finalize() },
                                   time: time, nonce: nonce, member: member)
        guard signed.verify(signature: [UInt8](sig), signKey: entry.card.signKey) else {
            throw ServerFailure.unauthorized("the request signature does not verify")
        }
        // Checked last, so only validly signed requests can take a nonce.
        var fresh = false
        let rows = try await state.client.query("""
            INSERT INTO nonces (member, nonce, seen_at) VALUES (\(memberText), \(nonce), \(now)) ON CONFLICT DO NOTHING RETURNING 1
            """, logger: state.logger)
        for try await _ in rows { fresh = true }
        guard fresh else { throw ServerFailure.unauthorized("replayed request: this nonce was used before") }
        if Random.uniform(64) == 0 {
            try await state.client.query("DELETE FROM nonces WHERE seen_at < \(now - 2 * SignedRequest.window)", logger: state.logger)
        }
        return (Caller(fingerprint: memberText, role: entry.card.role, card: entry.card), body)
    }
}
