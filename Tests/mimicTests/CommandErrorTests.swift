import ArgumentParser
import Foundation
import MimicEngine
import MimicStore
import MimicSweep
import Testing
@testable import mimic

/// Commands run in this process: a problem is an error they throw, never an exit, so
/// every refusal can be checked here without starting the binary.
struct CommandErrorTests {
    /// Parses `arguments` as the binary would, then runs the command.
    static func run(_ arguments: [String]) throws {
        var command = try Mimic.parseAsRoot(arguments)
        try command.run()
    }

    static func message(of arguments: [String]) -> String? {
        do {
            try run(arguments)
            return nil
        } catch let error as ReportableError {
            return error.description
        } catch {
            return "not a sentence of mimic's: \(type(of: error)) \(error)"
        }
    }

    @Test func refusalsAreThrownAsOneSentence() throws {
        let folder = NSTemporaryDirectory() + "mimic-command-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = folder + "/runs.sqlite"
        try "parameters:\n  help: true\n".write(toFile: folder + "/help.yaml", atomically: true, encoding: .utf8)
        let cases: [([String], String)] = [
            (["train", "--no-store", "--labeled", "2"], "Labeled fraction 2.0 is outside (0, 1]; pass --labeled with a value such as 0.1 for 10%."),
            (["train", "--no-store", "--data", folder + "/none"],
             DataError.folderMissing(path: folder + "/none").description),
            (["show", "1", "--store", store],
             "There is no run store at \(store) yet; 'mimic train' creates it with the first run, or pass --store with the path of an existing one."),
            (["sweep", "--labeled", "0.1,x", "--store", store], "Option --labeled x is not a value 'mimic train' takes: --labeled 'x' is not a number; pass a number, such as 0.1."),
            (["sweep", "--lables", "0.1", "--store", store],
             "Option --lables is not an option of 'mimic train'; name one that 'mimic train --help' lists, such as labeled, student or seed."),
            (["sweep", "--baselines", "maybe", "--labeled", "0.1", "--store", store],
             "Option --baselines maybe is not a value 'mimic train' takes: --baselines 'maybe' is neither true nor false; give true or false."),
            (["sweep", "--seeds", String(repeating: "1,", count: 200) + "1", "--labeled", String(repeating: "0.1,", count: 99) + "0.1", "--store", store],
             "The sweep's grid (201 seed x 100 labeled) has more than 10000 points; sweep fewer values at once, or split it into several sweeps."),
            (["sweep", "--labeled", "0.1", "--workers", "0", "--store", store], "--workers 0 is out of range; pass 1 to 64."),
            (["sweep", "--seeds", "1,01", "--store", store], "Option --seed 01 gives the same run as --seed 1; give each value once."),
            (["sweep", "--seeds", "1,2", "--save", folder + "/saved", "--store", store],
             "The sweep's 2 trainings would all save their checkpoints into \(folder)/saved (save), each replacing the last; "
                + "leave save out (each training's run folder keeps its own), or give each training a folder of its own."),
            (["sweep", folder + "/help.yaml", "--store", store],
             "Sweep file \(folder)/help.yaml, line 2: help is not an option of 'mimic train'; name one that 'mimic train --help' lists, such as labeled, student or seed."),
            (["sweep", "--labeled", "0.1", "--agents", "2", "--store", store],
             "--agents is an option of a sweep sent to Slurm; add --slurm, or leave --agents out to train here."),
            (["bench", "--threads", "0"], "--threads 0 is out of range; pass a thread count from 1 to 256."),
        ]
        for (arguments, sentence) in cases {
            #expect(Self.message(of: arguments) == sentence, "\(arguments)")
        }
        #expect(!FileManager.default.fileExists(atPath: store), "no refusal leaves a store behind")
    }

    /// `mimic sweep`'s own options are ArgumentParser's, in either spelling, before or
    /// after the grid.
    @Test func sweepOptionsParseInEitherSpellingAnywhere() throws {
        for arguments in [["sweep", "--workers=2", "--labeled", "0.1,0.2"], ["sweep", "--labeled", "0.1,0.2", "--workers", "2"],
                          ["sweep", "--labeled", "0.1,0.2", "--workers=2", "--dry-run"]] {
            let parsed = try Mimic.parseAsRoot(arguments)
            let command = try #require(parsed as? SweepRunCommand, "\(arguments)")
            #expect(command.workers == 2)
            #expect(command.words == ["--labeled", "0.1,0.2"], "\(arguments)")
        }
        let stored = try #require(try Mimic.parseAsRoot(["sweep", "--labeled", "0.1", "--store=/tmp/x.sqlite"]) as? SweepRunCommand)
        #expect(stored.storeOptions.store == "/tmp/x.sqlite")
    }
}
