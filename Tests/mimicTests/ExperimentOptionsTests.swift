import ArgumentParser
import MimicEngine
import MimicSession
import MimicSweep
import Testing
@testable import mimic

/// Each option of `mimic train` is defined once, in `TrainOption.all`; the command
/// line, the run's wording and the sweep grid all come from it. These fail when a
/// declaration in `ExperimentOptions` and the table disagree.
struct ExperimentOptionsTests {
    /// A value of each option that differs from its default and passes validation.
    static let samples: [String: [String]] = [
        "data": ["/tmp/some-data"], "unlabeled": ["/tmp/street"], "labeled": ["0.25"], "validation": ["0.1"], "mentor-checkpoint": ["/tmp/mentor.safetensors"],
        "mentor-logits": ["/tmp/logits.npy"],
        "mentor": ["fc64"], "student": ["fc16", "linear"], "loss": ["mse"], "temperature": ["2.5"], "epochs": ["7"],
        "student-epochs": ["5"], "batch": ["64"], "seed": ["9"], "optimizer": ["sgd"], "lr": ["0.05"], "student-lr": ["0.02"],
        "momentum": ["0.8"], "weight-decay": ["0.0005"], "decay-all": ["true"], "schedule": ["step:3/5"], "augment": ["shift2-flip"], "baselines": ["true"],
        "save": ["/tmp/saved"], "threads": ["3"],
    ]

    @Test func everyDeclaredOptionIsInTheTableAndEveryTableOptionIsDeclared() throws {
        let parsed = try ExperimentOptions.parse([])
        let declared = Mirror(reflecting: parsed).children.compactMap { $0.label.map { String($0.drop { $0 == "_" }) } }
            .map(ExperimentOptions.optionName(ofProperty:))
        #expect(declared.sorted() == TrainOption.all.map(\.name).sorted())
        let help = ExperimentOptions.helpMessage(columns: 200)
        for option in TrainOption.all {
            #expect(help.contains("  \(option.flag)"), "--help lists \(option.flag)")
            #expect(help.contains(String(option.summary.prefix(40))), "--help of \(option.flag) is the table's")
        }
    }

    @Test func everyOptionGoesFromTheCommandLineIntoTheConfigAndBack() throws {
        #expect(Set(Self.samples.keys) == Set(TrainOption.all.map(\.name)), "a sample for every option")
        for option in TrainOption.all {
            let values = try #require(Self.samples[option.name])
            let arguments = option.kind == .flag ? [option.flag] : values.flatMap { [option.flag, $0] }
            let config = try ExperimentOptions.parse(arguments).config()
            #expect(config != ExperimentConfig(), "\(option.flag) changes the config")
            #expect(option.values(config) == values, "\(option.flag) reads back as given")
            // The same value as a sweep's dimension gives the same run.
            let file = SweepFile(path: "", name: nil, parameters: [SweepFile.Parameter(name: option.name, values: [values.joined(separator: ",")], line: 0)])
            if option.kind != .repeated {
                let swept = try SweepGrid.configs(of: file)
                #expect(swept.count == 1 && option.values(swept[0]) == option.values(config.withAbsolutePaths()),
                        "\(option.name) as a sweep dimension")
            }
        }
    }

    @Test func aRunIsRepeatedByTheCommandLineItsOptionsWrite() throws {
        var arguments: [String] = []
        // Each names a mentor, and a run takes one: the other is repeated below.
        for option in TrainOption.all where option.describesRun && option.name != "mentor-checkpoint" {
            let values = try #require(Self.samples[option.name])
            arguments += option.kind == .flag ? [option.flag] : values.flatMap { [option.flag, $0] }
        }
        let config = try ExperimentOptions.parse(arguments).config()
        let written = config.trainOptions.flatMap { [$0.flag] + ($0.value.map { [$0] } ?? []) }
        #expect(try ExperimentOptions.parse(written).config() == config)
    }

    @Test(arguments: [
        (["--labeled", "x"], "--labeled 'x' is not a number; pass a number, such as 0.1."),
        (["--epochs", "2.5"], "--epochs '2.5' is not a whole number; pass a whole number, such as 15."),
        (["--loss", "kl"], "--loss 'kl' is not one of kd, mse, hard; pass one of them."),
        (["--labeled", "1.5"], "Labeled fraction 1.5 is outside (0, 1]; pass --labeled with a value such as 0.1 for 10%."),
        (["--mentor-logits", "a.npy", "--mentor-checkpoint", "b.safetensors"],
         "--mentor-logits and --mentor-checkpoint both name a mentor; pass one of them."),
        (["--student", "none", "--student", "cnn-s"], "--student none is given with other students; give none alone, or only the students."),
        (["--student", "none", "--mentor-logits", "l.npy"],
         "A run with --student none only trains its mentor, but the mentor comes from a file; give a --student SPEC, e.g. --student cnn-s."),
        (["--augment", "shift1-shift2"], "\"shift1-shift2\" names shift twice; name each part once, e.g. --augment shift1-flip."),
        (["--optimizer", "nesterov", "--momentum", "0"],
         "--optimizer nesterov needs a momentum to look ahead with, but --momentum is 0; pass --momentum 0.9, for example, or --optimizer sgd."),
        (["--optimizer", "rmsprop"], "--optimizer 'rmsprop' is not one of sgd, nesterov, adam; pass one of them."),
        (["--schedule", "step:150,180"],
         "--schedule 'step:150,180' separates its epochs with commas, which a sweep reads as separate values; separate them with slashes, e.g. --schedule step:150/180/210."),
    ])
    func aBadValueIsTheTablesSentence(_ arguments: [String], _ sentence: String) throws {
        let error = #expect(throws: ConfigError.self) { try ExperimentOptions.parse(arguments).config() }
        #expect(error?.message == sentence)
    }
}
