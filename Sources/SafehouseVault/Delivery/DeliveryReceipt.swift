import Foundation
import SafehouseCrypto

/// The server's signed statement that it stored an object in a mailbox
/// (Docs/SERVER.md, "Receipts"). It proves the server accepted the bytes —
/// nothing more: only HQ's `DeliveryAck` lets a field vault purge.
/// ```
/// safehouse receipt v1
/// object: <SHA-256 of the object, hex>
/// size: <bytes>
/// from: <sender fingerprint>
/// to: <mailbox: "hq" or a member fingerprint>
/// at: <unix time>
/// ```
public struct DeliveryReceipt: Sendable, Equatable {
    public let object: String
    public let size: UInt64
    public let from: String
    public let to: String
    public let at: Int64

    public init(object: String, size: UInt64, from: String, to: String, at: Int64) {
        self.object = object; self.size = size; self.from = from; self.to = to; self.at = at
    }

    public var text: String { "safehouse receipt v1\nobject: \(object)\nsize: \(size)\nfrom: \(from)\nto: \(to)\nat: \(at)\n" }
    public var signedMessage: [UInt8] { Array(text.utf8) }

    /// Parses the canonical text strictly.
    public static func parse(_ text: String) -> DeliveryReceipt? {
        let l = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard l.count == 7, l[0] == "safehouse receipt v1", l[6].isEmpty,
              let o = DeliveryText.value(l[1], "object"), Hex.decode(o)?.count == 32,
              let s = DeliveryText.value(l[2], "size").flatMap({ UInt64($0) }),
              let f = DeliveryText.value(l[3], "from"), let t = DeliveryText.value(l[4], "to"),
              let a = DeliveryText.value(l[5], "at").flatMap({ Int64($0) }) else { return nil }
        let r = DeliveryReceipt(object: o, size: s, from: f, to: t, at: a)
        return r.text == text ? r : nil
    }
}

/// HQ's end-to-end acknowledgement, signed by the officer whose vault imported
/// an object (Docs/SERVER.md, "Acknowledgements"). The server relays it to the
/// sender, who verifies it against an active officer of its own keyring before
/// purging anything: the server cannot forge one.
/// ```
/// safehouse delivery ack v1
/// object: <SHA-256 of the bundle object, hex>
/// from: <sender fingerprint>
/// by: <importing officer's fingerprint>
/// records: <comma-separated record ids now held by the importing vault>
/// ```
public struct DeliveryAck: Sendable, Equatable {
    public let object: String
    public let from: String
    public let by: Fingerprint
    public let records: [String]

    public init(object: String, from: String, by: Fingerprint, records: [String]) {
        self.object = object; self.from = from; self.by = by; self.records = records
    }

    public var text: String {
        "safehouse delivery ack v1\nobject: \(object)\nfrom: \(from)\nby: \(by.compact)\nrecords: \(records.joined(separator: ","))\n"
    }
    public var signedMessage: [UInt8] { Array(text.utf8) }

    public static func parse(_ text: String) -> DeliveryAck? {
        let l = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard l.count == 6, l[0] == "safehouse delivery ack v1", l[5].isEmpty,
              let o = DeliveryText.value(l[1], "object"), Hex.decode(o)?.count == 32,
              let f = DeliveryText.value(l[2], "from"),
              let b = DeliveryText.value(l[3], "by").flatMap(Fingerprint.init(text:)),
              let r = DeliveryText.value(l[4], "records") else { return nil }
        let ids = r.isEmpty ? [] : r.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard ids.allSatisfy({ $0.count == 32 && Hex.decode($0) != nil }) else { return nil }
        let a = DeliveryAck(object: o, from: f, by: b, records: ids)
        return a.text == text ? a : nil
    }

    /// Signs this acknowledgement.
    public func signed(by officer: Identity) throws -> [UInt8] { try officer.sign(signedMessage) }

    /// The active officer of `members` whose key made `signature`, if any.
    public func verifiedSigner(_ signature: [UInt8], members: [Member]) -> Member? {
        members.first { $0.fingerprint == by && $0.isActive && $0.card.role == .officer
            && Signature.verify(signature, message: signedMessage, publicKey: $0.card.signKey) }
    }
}

enum DeliveryText {
    static func value(_ line: String, _ key: String) -> String? {
        line.hasPrefix(key + ": ") ? String(line.dropFirst(key.count + 2)) : nil
    }
}
