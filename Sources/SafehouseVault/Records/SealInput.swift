import Foundation

/// One file to seal in a batch: named on the command line, or found by walking
/// a directory tree (`seal --recursive DIR`).
public struct SealInput: Sendable {
    public let path: String
    /// Found by a walk: opened without following a symbolic link, so a file
    /// swapped for a link after the walk is refused rather than followed.
    let inTree: Bool
    /// Decided during the walk: a link or special file skipped, an unreadable folder.
    let decided: SealOutcome?

    /// A file named by the user (a link to a file is followed, as for one `seal FILE`).
    public static func named(_ path: String) -> SealInput { SealInput(path: path, inTree: false, decided: nil) }

    /// Every regular file under `dir`, depth first, each folder's entries sorted by
    /// their UTF-8 bytes (the same order on every run and machine). Symbolic links
    /// are never followed, to files or folders, so the walk never leaves the tree;
    /// they and special files (FIFOs, sockets, devices) come back as skipped with
    /// the reason. A missing or unreadable folder comes back as a failure.
    public static func walk(_ dir: String) -> [SealInput] {
        var st = stat()
        guard lstat(dir, &st) == 0 else {
            let e = errno
            return [SealInput(path: dir, inTree: false, decided: .failed(e == ENOENT
                ? .missing(object: dir, hint: "check the folder name")
                : .io(object: dir, detail: String(cString: strerror(e)))))]
        }
        guard (st.st_mode & S_IFMT) == S_IFDIR else {
            // `--recursive FILE` or a link to a folder: a named input, treated as one.
            return [(st.st_mode & S_IFMT) == S_IFLNK
                    ? SealInput(path: dir, inTree: false, decided: .failed(.usage("\(dir) is a symbolic link: --recursive does not follow links; name the folder it points to")))
                    : .named(dir)]
        }
        var out: [SealInput] = []
        walk(dir, into: &out)
        return out
    }

    private static func walk(_ dir: String, into out: inout [SealInput]) {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: dir) } catch {
            out.append(SealInput(path: dir, inTree: true, decided: .failed(.io(object: dir, detail: "the folder cannot be read"))))
            return
        }
        for name in names.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) {
            let path = dir.hasSuffix("/") ? dir + name : dir + "/" + name
            var st = stat()
            guard lstat(path, &st) == 0 else {
                out.append(SealInput(path: path, inTree: true, decided: .failed(.io(object: path, detail: String(cString: strerror(errno))))))
                continue
            }
            switch st.st_mode & S_IFMT {
            case S_IFDIR: walk(path, into: &out)
            case S_IFREG: out.append(SealInput(path: path, inTree: true, decided: nil))
            case S_IFLNK: out.append(SealInput(path: path, inTree: true, decided: .skipped(reason: "a symbolic link (not followed)")))
            default: out.append(SealInput(path: path, inTree: true, decided: .skipped(reason: "not a regular file (FIFO, socket or device)")))
            }
        }
    }
}

/// What happened to one input of a batch seal.
public enum SealOutcome: Sendable, Equatable {
    /// Sealed now as this record.
    case sealed(id: String)
    /// Already sealed in this vault by this sealer, as this record: nothing new stored.
    case duplicate(id: String)
    /// Not sealed, by design (a link or special file met in a walk).
    case skipped(reason: String)
    /// Not sealed: nothing was stored for it.
    case failed(VaultError)
}

/// One input's result, reported in input order.
public struct SealResult: Sendable {
    public let path: String
    /// Plaintext bytes, when the file could be read.
    public let size: UInt64?
    public let outcome: SealOutcome
    /// With `removeOriginal`: the error that kept the original after the record was sealed.
    public let removalError: VaultError?
}
