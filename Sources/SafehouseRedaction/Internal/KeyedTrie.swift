/// A trie whose edges are keyed by 32-bit symbols, stored in one hash table.
///
/// Used for Hangul syllable sequences, romanized syllable-key sequences and literal strings.
struct KeyedTrie: Sendable {
    private(set) var edges: [UInt64: Int32] = [:]
    /// Per node: index into ``targetLists`` or -1.
    private(set) var terminal: [Int32] = [-1]
    private(set) var targetLists: [[Target]] = []
    /// Direct table for first symbols below 0x1_0000 (root fan-out is the hot lookup).
    private(set) var rootBMP: [Int32] = []

    var nodeCount: Int { terminal.count }

    init() { rootBMP = [Int32](repeating: -1, count: 0x10000) }

    /// The same edges in an open-addressing table (Fibonacci hashing, linear probing): the
    /// scanner's hot lookup, much cheaper than `Dictionary`'s seeded SipHash.
    private(set) var slotKeys: [UInt64] = [UInt64](repeating: KeyedTrie.emptyKey, count: 16)
    private(set) var slotValues: [Int32] = [Int32](repeating: -1, count: 16)
    private var shift: UInt64 = 60
    private static let emptyKey = UInt64.max

    @inline(__always)
    func child(_ node: Int32, _ key: UInt32) -> Int32 {
        if node == 0 && key < 0x10000 { return rootBMP[Int(key)] }
        let k = UInt64(UInt32(bitPattern: node)) << 32 | UInt64(key)
        let mask = slotKeys.count - 1
        var i = Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while true {
            let found = slotKeys[i]
            if found == k { return slotValues[i] }
            if found == KeyedTrie.emptyKey { return -1 }
            i = (i + 1) & mask
        }
    }

    private mutating func addSlot(_ k: UInt64, _ v: Int32) {
        if (edges.count + 1) * 2 > slotKeys.count {
            let size = slotKeys.count * 2
            slotKeys = [UInt64](repeating: KeyedTrie.emptyKey, count: size)
            slotValues = [Int32](repeating: -1, count: size)
            shift -= 1
            for (ek, ev) in edges { place(ek, ev) }
        }
        place(k, v)
    }

    private mutating func place(_ k: UInt64, _ v: Int32) {
        let mask = slotKeys.count - 1
        var i = Int(truncatingIfNeeded: (k &* 0x9E37_79B9_7F4A_7C15) >> shift)
        while slotKeys[i] != KeyedTrie.emptyKey && slotKeys[i] != k { i = (i + 1) & mask }
        slotKeys[i] = k
        slotValues[i] = v
    }

    /// Inserts a symbol sequence ending in `target`.
    mutating func insert(_ keys: [UInt32], _ target: Target) {
        guard !keys.isEmpty else { return }
        var node: Int32 = 0
        for k in keys {
            let c = child(node, k)
            if c >= 0 { node = c; continue }
            let new = Int32(terminal.count)
            terminal.append(-1)
            if node == 0 && k < 0x10000 { rootBMP[Int(k)] = new }
            else {
                let key = UInt64(UInt32(bitPattern: node)) << 32 | UInt64(k)
                addSlot(key, new)
                edges[key] = new
            }
            node = new
        }
        let t = terminal[Int(node)]
        if t < 0 {
            terminal[Int(node)] = Int32(targetLists.count)
            targetLists.append([target])
        } else if !targetLists[Int(t)].contains(target) {
            targetLists[Int(t)].append(target)
        }
    }

    /// Every stored sequence with its targets, in a stable order (for the lexicon digest).
    func fingerprintLines() -> [String] {
        var lines: [String] = []
        var stack: [(Int32, [UInt32])] = [(0, [])]
        var reverse: [Int32: [(UInt32, Int32)]] = [:]
        for (k, v) in edges { reverse[Int32(truncatingIfNeeded: k >> 32), default: []].append((UInt32(truncatingIfNeeded: k), v)) }
        for (k, v) in rootBMP.enumerated() where v >= 0 { reverse[0, default: []].append((UInt32(k), v)) }
        while let (node, path) = stack.popLast() {
            if terminal[Int(node)] >= 0 {
                let ts = targetLists[Int(terminal[Int(node)])].map { "\($0.kind.rawValue):\($0.index):\($0.wordStartOnly ? 1 : 0)\($0.viaTitle ? 1 : 0)" }
                lines.append(path.map { String($0, radix: 16) }.joined(separator: ",") + "=" + ts.joined(separator: ";"))
            }
            for (k, c) in reverse[node] ?? [] { stack.append((c, path + [k])) }
        }
        return lines.sorted()
    }
}
