import Foundation
import ZIPFoundation

/// The arrays of an `.npz` file: a zip archive of `.npy` files, as `numpy.savez` and
/// `numpy.savez_compressed` write it. The archive is read by ZIPFoundation; each
/// member is checked against its CRC, and never grows past the size its entry claims
/// or the machine's memory (a zip bomb is refused, not inflated).
enum NPZReader {
    /// The arrays named `names` ("x_train"): nil for a name the archive lacks.
    /// `path` is a regular file that can be opened (`DataSet.checkSource`).
    static func arrays(in path: String, named names: [String]) throws -> [String: NPYArray] {
        // Opened by path: ZIPFoundation's archive in memory traps on some damaged
        // archives (a read past the end of its buffer), where a file reads short.
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw DataError.badArchive(path: path, problem: "is not a zip archive, as numpy.savez writes one")
        }
        let entries = names.compactMap { name in archive[name + ".npy"].map { (name: name, entry: $0) } }
        // The arrays together, as their entries claim them, within half the machine's
        // memory: a zip bomb of several members is refused before any is inflated.
        let budget = ProcessInfo.processInfo.physicalMemory / 2
        let total = entries.reduce(UInt64(0)) { sum, member in
            let (next, overflow) = sum.addingReportingOverflow(member.entry.uncompressedSize)
            return overflow ? .max : next
        }
        guard total <= budget else {
            throw DataError.badArchive(path: path, problem: "claims \(total) bytes of arrays, more than half this machine's memory; save a smaller set")
        }
        var found: [String: NPYArray] = [:]
        for (name, entry) in entries {
            let member = "\(name).npy in \(path)"
            let claimed = entry.uncompressedSize
            var bytes: [UInt8] = []
            // What the entry claims is not trusted for an allocation: the bytes grow as
            // they come, reserved up front only as far as a stored member can hold.
            bytes.reserveCapacity(Int(min(claimed, entry.compressedSize, 1 << 26)))
            do {
                _ = try archive.extract(entry) { chunk in
                    guard UInt64(bytes.count + chunk.count) <= claimed else { throw Overrun() }
                    bytes.append(contentsOf: chunk)
                }
            } catch is Overrun {
                throw DataError.badArray(source: member, problem: "holds more than the \(claimed) bytes its zip entry claims; the archive is damaged, so write it again")
            } catch {
                throw DataError.badArray(source: member, problem: "cannot be unpacked (\(error)); the archive is damaged, so write it again")
            }
            found[name] = try NPYArray(bytes: bytes, source: member)
        }
        return found
    }

    private struct Overrun: Error {}
}
