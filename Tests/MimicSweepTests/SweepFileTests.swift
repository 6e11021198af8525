import MimicEngine
import MimicSweep
import Testing

@Suite struct SweepFileTests {
    static let good = """
        name: fractions
        method: grid
        parameters:
          labeled: {values: [0.01, 0.05]}
          student: [cnn-s, mlp-64]
          seed: {value: 3}
          baselines: true
        """

    @Test func aGoodFileReadsInEveryShorthand() throws {
        let file = try SweepFile.parse(Self.good, path: "g.yaml")
        #expect(file.name == "fractions")
        #expect(file.parameters == [
            .init(name: "labeled", values: ["0.01", "0.05"], line: 4),
            .init(name: "student", values: ["cnn-s", "mlp-64"], line: 5),
            .init(name: "seed", values: ["3"], line: 6),
            .init(name: "baselines", values: ["true"], line: 7),
        ])
        // Every combination, the first parameter varying slowest.
        #expect(file.points.map(\.description) == [
            "labeled=0.01 student=cnn-s seed=3 baselines=true", "labeled=0.01 student=mlp-64 seed=3 baselines=true",
            "labeled=0.05 student=cnn-s seed=3 baselines=true", "labeled=0.05 student=mlp-64 seed=3 baselines=true",
        ])
        // Each point is the run 'mimic train' would start with its options.
        let first = try #require(try SweepGrid.configs(of: file).first)
        #expect(first.trainOptions.map { $0.flag + ($0.value.map { " " + $0 } ?? "") }.filter { !$0.hasPrefix("--data") }
            == ["--labeled 0.01", "--mentor cnn-l", "--student cnn-s", "--loss kd", "--temperature 4.0", "--epochs 15",
                "--student-epochs 12", "--batch 128", "--seed 3", "--optimizer adam", "--lr 0.001", "--student-lr 0.003",
                "--momentum 0.9", "--weight-decay 0.0", "--schedule cosine", "--baselines"])
        for word in ["false", "no", "off"] {
            let off = SweepFile(path: "", name: nil, parameters: [.init(name: "baselines", values: [word], line: 0)])
            #expect(try SweepGrid.configs(of: off).map(\.baselines) == [false])
        }
    }

    /// The grid's size is checked before it is expanded, and seed values that read as
    /// one number are one point, not two.
    @Test func aGridPastItsSizeOrWithTheSameValueTwiceIsRefused() throws {
        let huge = SweepFile(path: "", name: nil, parameters: (0..<12).map { k in .init(name: "seed\(k)", values: (0..<10).map(String.init), line: 0) })
        #expect(throws: SweepError.self) { try SweepGrid.configs(of: huge) }
        #expect(throws: SweepError("Option --seed 01 gives the same run as --seed 1; give each value once.")) {
            try SweepGrid.configs(of: SweepFile(path: "", name: nil, parameters: [.init(name: "seed", values: ["1", "01"], line: 0)]))
        }
    }

    static func error(_ text: String) -> String {
        do {
            _ = try SweepFile.parse(text, path: "s.yaml")
            return "no error"
        } catch {
            return error.message
        }
    }

    @Test(arguments: [
        ("parameters: [1, 2]", "s.yaml, line 1: `parameters:` must map option names to values"),
        ("- seed", "s.yaml, line 1: the file must be a mapping with a `parameters:` key"),
        ("", "s.yaml: the file must be a mapping"),
        ("name: x", "s.yaml: it has no `parameters:`"),
        ("method: random\nparameters: {seed: [1]}", "s.yaml, line 1: method `random` is not one mimic runs; use `method: grid`"),
        ("parameters: {seed: [1]}\nprogram: train.py", "s.yaml, line 2: `program` is not a key of a sweep file"),
        ("parameters:\n  seed: [1]\n  seed: [2]", "s.yaml, line 2: `seed` is given twice in the mapping that starts here"),
        ("parameters:\n  seed: []", "s.yaml, line 2: parameter `seed` has no values"),
        ("parameters:\n  seed: [1, 1]", "s.yaml, line 2: parameter `seed` repeats a value"),
        ("parameters:\n  seed: [[1, 2]]", "s.yaml, line 2: a value of `seed` must be a single number"),
        ("parameters:\n  seed: {values: 1}", "s.yaml, line 2: `values` of `seed` must be a list"),
        ("parameters:\n  seed: {value: [1]}", "s.yaml, line 2: `value` of `seed` must be a single value"),
        ("parameters:\n  seed: {min: 1, max: 3}", "s.yaml, line 2: parameter `seed` must be `{values: [...]}` or `{value: x}`"),
        ("parameters: {}", "s.yaml, line 1: `parameters:` is empty"),
        ("parameters:\n  seed: {values: [1, 2]\n  labeled: 0.1", "s.yaml, line 3: it is not valid YAML"),
        ("parameters:\n\tseed: [1]", "s.yaml, line 2: it is not valid YAML"),
    ])
    func brokenFilesAreNamedWithTheirLine(text: String, expected: String) {
        let message = Self.error(text)
        #expect(message.hasPrefix("Sweep file " + expected), "\(message)")
    }

    /// Nesting past libyaml's limit was "Maximum nesting level reached, set with
    /// yaml_set_max_nest_level())": a function of a C library the user never called.
    @Test(arguments: [
        ("flow", "parameters: {seed: " + String(repeating: "[", count: 1200) + String(repeating: "]", count: 1200) + "}"),
        ("block", "parameters:\n" + (1...1200).map { String(repeating: " ", count: $0) + "k\($0):\n" }.joined()),
    ])
    func nestingPastTheLimitIsSaidInPlainWords(kind: String, text: String) {
        let message = Self.error(text)
        #expect(message.hasPrefix("Sweep file s.yaml, line "), "\(kind): \(message)")
        #expect(message.contains("it nests deeper than 1000 levels"), "\(kind): \(message)")
        #expect(!message.contains("yaml_"), "\(kind): \(message)")
    }

    /// Mutated good files: every one parses or is refused with a sentence; none crashes.
    @Test func mutatedFilesNeverCrash() {
        var random = SeededRandom(seed: 7)
        let bytes = Array(Self.good.utf8)
        let alphabet = Array("{}[]:,- \n\t#&*!|>'\"0a".utf8)
        for _ in 0..<3_000 {
            var mutated = bytes
            for _ in 0..<(1 + Int(random.next() % 4)) {
                let position = Int(random.next() % UInt64(mutated.count))
                switch random.next() % 3 {
                case 0: mutated[position] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                case 1: mutated.remove(at: position)
                default: mutated.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: position)
                }
            }
            let message = Self.error(String(decoding: mutated, as: UTF8.self))
            #expect(message == "no error" || message.hasPrefix("Sweep file s.yaml"), "\(message)")
        }
    }
}
