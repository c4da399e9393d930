import Testing
@testable import SluicePostgres

/// SCRAM-SHA-256 against RFC 7677's example exchange, the ways a server's messages can be
/// wrong, and PostgreSQL's md5 password answer (checked with Python's hashlib).
@Suite struct AuthenticationTests {
    static let serverFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"

    @Test func scramProducesRFC7677sExchange() throws {
        var client = SCRAMSHA256Client(password: "pencil", username: "user", nonce: "rOprNGfwEbeRWgbNEkqO")
        #expect(client.clientFirstMessage == "n,,n=user,r=rOprNGfwEbeRWgbNEkqO")
        #expect(try client.clientFinalMessage(serverFirst: Self.serverFirst)
                == "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=")
        try client.verify(serverFinal: "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=")
    }

    @Test func aServerThatDoesNotKnowThePasswordIsRefused() throws {
        var client = SCRAMSHA256Client(password: "pencil", username: "user", nonce: "rOprNGfwEbeRWgbNEkqO")
        _ = try client.clientFinalMessage(serverFirst: Self.serverFirst)
        #expect { try client.verify(serverFinal: "v=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=") } throws: { error in
            "\(error)".contains("signature is wrong") && !"\(error)".contains("pencil")
        }
        #expect { try client.verify(serverFinal: "e=invalid-proof") } throws: { "\($0)".contains("invalid-proof") }
    }

    @Test func malformedServerMessagesAreErrorsNotCrashes() {
        let bad = [
            "r=someoneElsesNonce,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",            // does not extend ours
            "r=rOprNGfwEbeRWgbNEkqOx,s=***,i=4096",                              // salt not base64
            "r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0",            // no rounds
            "r=rOprNGfwEbeRWgbNEkqOx,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=999999999999", // hours of work
            "r=rOprNGfwEbeRWgbNEkqOx,i=4096",                                    // no salt
            "garbage",
            "",
        ]
        for message in bad {
            var client = SCRAMSHA256Client(password: "pencil", nonce: "rOprNGfwEbeRWgbNEkqO")
            #expect(throws: SCRAMSHA256Client.Failure.self, "\(message)") { try client.clientFinalMessage(serverFirst: message) }
        }
    }

    @Test func passwordsArePreparedAsSASLprepDoes() {
        #expect(SCRAMSHA256Client.prepare("pen\u{00A0}cil") == "pen cil")       // a no-break space is a space
        #expect(SCRAMSHA256Client.prepare("pen\u{00AD}cil") == "pencil")        // a soft hyphen is nothing
        #expect(SCRAMSHA256Client.prepare("\u{2168}") == "IX")                   // compatibility forms fold (NFKC)
        #expect(SCRAMSHA256Client.randomNonce().count == 24)
        #expect(SCRAMSHA256Client.randomNonce() != SCRAMSHA256Client.randomNonce())
    }

    @Test func md5PasswordMatchesPostgreSQLs() {
        #expect(MD5Password.response(user: "alice", password: "secret", salt: [1, 2, 3, 4]) == "md598a0412b9c31436fc53776e863350083")
    }
}
