import Foundation

/// The kind of media a record holds, from its sealed file name.
public enum MediaKind: String, Sendable, Codable {
    case audio, video, image

    static func of(fileName: String?) -> MediaKind? {
        guard let name = fileName, let dot = name.lastIndex(of: ".") else { return nil }
        switch name[name.index(after: dot)...].lowercased() {
        case "wav", "flac", "mp3", "m4a", "aac", "ogg", "oga", "opus", "wma", "aiff", "aif": return .audio
        case "mp4", "m4v", "mov", "mkv", "webm", "avi", "mts", "m2ts", "ts", "3gp", "mpg", "mpeg": return .video
        case "jpg", "jpeg", "png", "heic", "tif", "tiff", "webp", "bmp": return .image
        default: return nil
        }
    }
}
