// safehouse-fuzz — every parser under one fuzz target (see ParserFuzzing).
//
// Built normally it replays files: `safehouse-fuzz Tests/FuzzCorpus/*` runs each
// seed once (the tests do this). Built for libFuzzer it explores:
//   swift build --product safehouse-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
//   .build/debug/safehouse-fuzz -max_total_time=60 Tests/FuzzCorpus
// (scripts/fuzz.sh does both and keeps findings as regression seeds).
import Foundation
import SafehouseVault

#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    ParserFuzzing.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

// SwiftPM links executables with `main` renamed to `<product>_main`; hand control
// to libFuzzer's driver from there.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

@_cdecl("safehouse_fuzz_main")
public func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var c = argc
    var v = argv
    return LLVMFuzzerRunDriver(&c, &v) { data, size in fuzzOne(data, size) }
}
#else
@main
struct FuzzReplay {
    static func main() {
        var count = 0
        for path in CommandLine.arguments.dropFirst() {
            var isDir: ObjCBool = false
            let files = FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
                ? ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted().map { path + "/" + $0 } : [path]
            for f in files {
                guard let d = FileManager.default.contents(atPath: f) else { continue }
                ParserFuzzing.run([UInt8](d))
                count += 1
            }
        }
        print("replayed \(count) input(s) through \(ParserFuzzing.parsers.count) parsers")
    }
}
#endif
