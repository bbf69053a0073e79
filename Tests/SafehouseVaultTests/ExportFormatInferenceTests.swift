import SafehouseVault
import Testing

@Suite("Export format from the output's name")
struct ExportFormatInferenceTests {
    @Test(arguments: [
        ("cut.srt", ExportFormat.srt), ("out/cut.vtt", .vtt), ("a.b/notes.TXT", .txt), ("x.md", .md), ("x.json", .json),
        ("cut.srt.age", .srt), ("cut.VTT.AGE", .vtt),
    ])
    func knownExtensions(_ path: String, _ format: ExportFormat) {
        #expect(ExportFormat.inferred(fromPath: path) == format)
    }

    @Test(arguments: ["cut", "cut.doc", "cut.age", ".srt", "dir.srt/cut", "-", "cut.srt.gz"])
    func noFormat(_ path: String) {
        #expect(ExportFormat.inferred(fromPath: path) == nil)
    }
}
