import Foundation
import Testing
@testable import SluiceConnectors
import SluiceCore
import SluiceTesting

/// Pre-committed output is verified before it is published, and publishing never leaves a
/// partial record visible.
@Suite struct PendingOutputVerificationTests {
    /// A pre-committed part of `text` for `path`.
    func preCommitted(_ text: String, to path: String, checkpoint: UInt64 = 1) throws -> FileAppendTransaction {
        let writer = try AtomicFileWriter(path: path, checkpointed: true)
        writer.recover(after: nil)
        writer.buffer.append(contentsOf: Array(text.utf8))
        let transaction = try writer.preCommit(CheckpointID(checkpoint))
        writer.abort()
        return transaction
    }

    @Test func aDamagedPendingPartIsNeverPublished() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("out.jsonl")
        let transaction = try preCommitted("{\"a\":1}\n{\"a\":2}\n", to: path)
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: transaction.part)))
        bytes[3] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: transaction.part))
        #expect {
            try AtomicFileWriter.publish(transaction)
        } throws: { error in
            "\(error)".contains("the pending part \(transaction.part) for \(path) is damaged: its checksum")
                && "\(error)".contains("nothing was published")
        }
        #expect((try? String(contentsOfFile: path, encoding: .utf8)) ?? "" == "")
    }

    @Test func aTruncatedPendingPartIsNeverPublished() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("out.jsonl")
        let transaction = try preCommitted("{\"a\":1}\n{\"a\":2}\n", to: path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: transaction.part))
        try bytes.prefix(10).write(to: URL(fileURLWithPath: transaction.part))
        #expect {
            try AtomicFileWriter.publish(transaction)
        } throws: { error in
            "\(error)".contains("has 10 bytes where the checkpoint recorded 16")
        }
        #expect((try? String(contentsOfFile: path, encoding: .utf8)) ?? "" == "")
    }

    @Test func aFullDiskDuringPublishLeavesNoPartialRecordVisible() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.file("out.jsonl")
        try AtomicFileWriter.publish(try preCommitted("{\"a\":1}\n", to: path, checkpoint: 1))
        let second = try preCommitted("{\"a\":2}\n{\"a\":3}\n", to: path, checkpoint: 2)
        let second2 = FileAppendTransaction(path: second.path, part: second.part, publishedBefore: 8,
                                            length: second.length, checksum: second.checksum)
        #expect(throws: RecordError.self) {
            try AtomicFileWriter.publish(second2) { fd, block, _ in
                // Half the block reaches the file, then the disk is full.
                _ = write(fd, block.baseAddress!, block.count / 2)
                throw FileError.fromErrno(path: path, operation: "write (No space left on device)")
            }
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\"a\":1}\n")
        // Once there is room again, the same transaction publishes all of it.
        try AtomicFileWriter.publish(second2)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n")
    }

    @Test func aDamagedLakePartPublishesNothingOfItsCheckpoint() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for partition in ["p=1", "p=2"] { try FileManager.default.createDirectory(atPath: directory.file(partition), withIntermediateDirectories: true) }
        let good = try PartFiles.stage(Array("one\n".utf8), as: directory.file("p=1/part-a.jsonl"))
        let bad = try PartFiles.stage(Array("two\n".utf8), as: directory.file("p=2/part-b.jsonl"))
        try Data("tw0\n".utf8).write(to: URL(fileURLWithPath: bad.pending))
        let transaction = PartitionRenames(directory: directory.path, renames: [good, bad])
        #expect {
            try PartitionedJSONLinesSink<String>.Writer.commit(transaction)
        } throws: { error in "\(error)".contains("\(bad.pending) for \(bad.published) is damaged") }
        #expect(!FileManager.default.fileExists(atPath: good.published))
        #expect(!FileManager.default.fileExists(atPath: bad.published))
    }
}
