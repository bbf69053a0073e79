/// A trie over a small dense alphabet (ASCII letters or digits) with a flat child table.
struct DenseTrie: Sendable {
    let width: Int
    private(set) var children: [Int32]
    /// Per node: index into ``payloads`` or -1.
    private(set) var terminal: [Int32] = [-1]
    private(set) var payloads: [[UInt32]] = []

    init(width: Int) {
        self.width = width
        children = [Int32](repeating: -1, count: width)
    }

    @inline(__always)
    func child(_ node: Int32, _ symbol: Int) -> Int32 { children[Int(node) * width + symbol] }

    /// Inserts a symbol sequence (each in 0..<width) carrying `payload`.
    mutating func insert(_ symbols: [Int], payload: UInt32) {
        var node: Int32 = 0
        for s in symbols {
            var c = child(node, s)
            if c < 0 {
                c = Int32(terminal.count)
                terminal.append(-1)
                children += [Int32](repeating: -1, count: width)
                children[Int(node) * width + s] = c
            }
            node = c
        }
        let t = terminal[Int(node)]
        if t < 0 {
            terminal[Int(node)] = Int32(payloads.count)
            payloads.append([payload])
        } else if !payloads[Int(t)].contains(payload) {
            payloads[Int(t)].append(payload)
        }
    }
}
