import Testing
import SluiceCrypto

/// The hashes against the vectors their standards publish (FIPS 180-4 examples, RFC 1321,
/// RFC 4231, RFC 7914), fed whole and in uneven pieces.
@Suite struct HashTests {
    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    /// The digest of `message` fed in pieces of `piece` bytes.
    func pieces<Hash: HashFunction>(_ type: Hash.Type, _ message: [UInt8], piece: Int) -> [UInt8] {
        var hash = Hash()
        var offset = 0
        while offset < message.count {
            hash.update(message[offset..<min(offset + piece, message.count)])
            offset += piece
        }
        return hash.finalize()
    }

    @Test func sha256MatchesTheStandardsExamples() {
        let vectors: [(String, String)] = [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ]
        for (message, digest) in vectors {
            #expect(hexadecimal(SHA256.hash(bytes(message))) == digest, "\(message)")
            for piece in [1, 3, 63, 64, 65] { #expect(hexadecimal(pieces(SHA256.self, bytes(message), piece: piece)) == digest) }
        }
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        #expect(hexadecimal(SHA256.hash(million)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        #expect(hexadecimal(pieces(SHA256.self, million, piece: 1_000)) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
        // Lengths around the padding boundary (55, 56, 64 bytes) pad into one or two blocks.
        #expect(hexadecimal(SHA256.hash([UInt8](repeating: 0x61, count: 55))) == "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318")
        #expect(hexadecimal(SHA256.hash([UInt8](repeating: 0x61, count: 56))) == "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a")
        #expect(hexadecimal(SHA256.hash([UInt8](repeating: 0x61, count: 64))) == "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb")
    }

    @Test func md5MatchesRFC1321() {
        let vectors: [(String, String)] = [
            ("", "d41d8cd98f00b204e9800998ecf8427e"),
            ("a", "0cc175b9c0f1b6a831c399e269772661"),
            ("abc", "900150983cd24fb0d6963f7d28e17f72"),
            ("message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
            ("abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
            ("12345678901234567890123456789012345678901234567890123456789012345678901234567890", "57edf4a22be3c955ac49da2e2107b67a"),
        ]
        for (message, digest) in vectors {
            #expect(hexadecimal(MD5.hash(bytes(message))) == digest, "\(message)")
            for piece in [1, 7, 64] { #expect(hexadecimal(pieces(MD5.self, bytes(message), piece: piece)) == digest) }
        }
    }

    @Test func hmacSHA256MatchesRFC4231() {
        #expect(hexadecimal(HMAC<SHA256>.authenticationCode(for: bytes("Hi There"), key: [UInt8](repeating: 0x0b, count: 20)))
                == "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
        #expect(hexadecimal(HMAC<SHA256>.authenticationCode(for: bytes("what do ya want for nothing?"), key: bytes("Jefe")))
                == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // A key longer than the block is hashed first.
        #expect(hexadecimal(HMAC<SHA256>.authenticationCode(for: bytes("Test Using Larger Than Block-Size Key - Hash Key First"),
                                                            key: [UInt8](repeating: 0xaa, count: 131)))
                == "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54")
    }

    @Test func pbkdf2SHA256MatchesRFC7914() {
        #expect(hexadecimal(PBKDF2<SHA256>.derive(password: bytes("passwd"), salt: bytes("salt"), iterations: 1, length: 64))
                == "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")
        #expect(hexadecimal(PBKDF2<SHA256>.derive(password: bytes("Password"), salt: bytes("NaCl"), iterations: 80_000, length: 64))
                == "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d")
    }
}
