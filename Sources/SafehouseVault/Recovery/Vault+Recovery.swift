import SafehouseCrypto

extension Vault {
    /// Records a recovery action (`recovery-split`, `recovery-combine`) in the audit log.
    ///
    /// Signed by the member when the key belongs to an active member of this
    /// vault; otherwise by the vault's device key, naming the key as an object
    /// (so the log still verifies). Objects are the member's compact fingerprint,
    /// `k:K` and `n:N` — never share content.
    public func auditRecovery(action: String, identity: Identity, threshold: Int, total: Int) throws {
        let isMember = try members().contains { $0.fingerprint == identity.fingerprint && $0.isActive }
        try audit(actor: isMember ? identity : nil, claimedActor: isMember ? nil : identity.fingerprint.compact, action: action,
                  objects: [identity.fingerprint.compact, "k:\(threshold)", "n:\(total)"], outcome: .ok)
    }
}
