extension AuditReport {
    /// Most lanes a chart shows; the rest are folded into one "other" lane.
    static let maxMemberLanes = 30
    static let maxObjectLanes = 20

    /// Time range of all events (now, for an empty report).
    var timeRange: (start: Int64, end: Int64) {
        guard let first = events.first, let last = events.last else { return (generatedAt, generatedAt) }
        return (first.time, last.time)
    }

    /// Lanes per member (or device key), in `members` order.
    func memberLanes() -> [AuditTimeline.Lane] {
        var byMember: [String: [(time: Int64, outcome: AuditOutcome)]] = [:]
        for e in events { byMember[e.member, default: []].append((e.time, e.outcome)) }
        let active = members.filter { $0.entries > 0 }
        var lanes = active.prefix(Self.maxMemberLanes).map { m in
            AuditTimeline.Lane(label: label(forMember: m.key), detail: m.key, points: byMember[m.key] ?? [])
        }
        let rest = active.dropFirst(Self.maxMemberLanes)
        if !rest.isEmpty {
            let points = rest.flatMap { byMember[$0.key] ?? [] }.sorted { $0.time < $1.time }
            lanes.append(AuditTimeline.Lane(label: "\(rest.count) other keys", detail: "folded: more than \(Self.maxMemberLanes) keys", points: points))
        }
        return lanes
    }

    /// Lanes for the most touched records and pseudonyms.
    func objectLanes() -> [AuditTimeline.Lane] {
        let top = objects.prefix(Self.maxObjectLanes)
        let wanted = Set(top.map(\.id))
        var byObject: [String: [(time: Int64, outcome: AuditOutcome)]] = [:]
        for e in events {
            for o in Set(e.objects) where wanted.contains(o) { byObject[o, default: []].append((e.time, e.outcome)) }
        }
        return top.map { o in
            let short = o.kind == "pseudonym" ? o.id : String(o.id.prefix(12)) + "…"
            let with = o.pseudonyms.isEmpty ? "" : " · " + o.pseudonyms.joined(separator: ",")
            return AuditTimeline.Lane(label: "\(short) \(o.kind)\(with)", detail: "\(o.kind) \(o.id)", points: byObject[o.id] ?? [])
        }
    }
}
