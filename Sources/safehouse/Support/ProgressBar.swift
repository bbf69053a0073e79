import Foundation

/// A progress bar on stderr for long seals and opens; silent when stderr is not
/// a terminal, with `--quiet`, or for small files.
final class ProgressBar {
    private let enabled: Bool
    private let label: String
    private var lastDraw = Date.distantPast

    init(label: String, quiet: Bool) {
        self.label = label
        enabled = !quiet && isatty(STDERR_FILENO) == 1
    }

    func update(_ done: UInt64, _ total: UInt64) {
        guard enabled, total >= 8 << 20 else { return }
        let now = Date()
        guard done == total || now.timeIntervalSince(lastDraw) > 0.1 else { return }
        lastDraw = now
        let frac = total == 0 ? 1 : Double(done) / Double(total)
        let width = 30
        let filled = Int(frac * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = String(format: "\r%@ [%@] %3d%% %.0f/%.0f MiB", label, bar, Int(frac * 100), Double(done) / 1048576, Double(total) / 1048576)
        FileHandle.standardError.write(Data(line.utf8))
        if done == total { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
