import ArgumentParser
import Foundation
import MimicEngine

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Print the test accuracy and loss of a saved model.",
        discussion: """
            Rebuilds the network from the checkpoint's own metadata (spec, input shape,
            classes), loads its weights and evaluates it on the data set's test part. A
            state_dict saved by PyTorch has no such metadata: --spec names its
            architecture, built for the data set's images and classes.

            Examples:
              mimic eval --model runs/first/mentor-cnn-l.safetensors
              mimic eval --model runs/c10/student-1-cnn-s.safetensors --data ~/cifar10
              mimic eval --model torch-mentor.safetensors --spec cnn-l
            """)

    @Option(help: ArgumentHelp("A safetensors checkpoint written by 'mimic train --save'.", valueName: "file"))
    var model: String

    @Option(help: "Folder (or .npz file) of the data set whose test part to evaluate on.")
    var data: String = DataSet.defaultDirectory

    @Option(help: ArgumentHelp("The architecture of a state_dict saved elsewhere (PyTorch), which records none; see 'mimic presets --spec S --pytorch'.",
                               valueName: "spec"))
    var spec: String?

    @Flag(help: "Print one JSON object instead of text.")
    var json = false

    func run() throws {
        let dataSet = try DataSet.load(from: data)
        let (network, _, imported) = try Network.load(from: model, otherwise: { try spec.map(ArchitectureSpec.init) },
                                                      input: dataSet.train.shape, classes: dataSet.classCount)
        if let spec, !imported, try ArchitectureSpec(spec).text != network.spec.text {
            throw UsageError("Model \(model) was saved by mimic as \(network.spec.text), not \(spec); leave --spec out (it names the architecture of a state_dict saved elsewhere).")
        }
        guard dataSet.train.shape == network.inputShape, dataSet.classCount == network.classes else {
            throw UsageError(
                "Model \(model) takes \(network.inputShape) images in \(network.classes) classes, but the data set at "
                    + "\(data) has \(dataSet.train.shape) images in \(dataSet.classCount) classes; pass --data with the data set it was trained on.")
        }
        let evaluation = network.evaluate(on: dataSet.testSubset)
        if json {
            let object: [String: Any] = [
                "model": model, "spec": network.spec.text, "parameters": network.parameterCount,
                "data_set": dataSet.name, "test_samples": dataSet.test.count,
                "test_accuracy": evaluation.accuracy, "test_loss": evaluation.loss,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            print(String(decoding: data, as: UTF8.self))
        } else {
            print("\(model): \(network.spec.text), \(ReportTable.grouped(network.parameterCount)) parameters")
            print(String(format: "%@ test set (%d samples): accuracy %.2f%%, loss %.4f",
                         dataSet.name, dataSet.test.count, evaluation.accuracy * 100, evaluation.loss))
        }
    }
}
