import Foundation
import Testing
@testable import SluicePostgres

/// A real PostgreSQL server: logging in with SCRAM-SHA-256, a wrong password, simple queries
/// with NULLs, Unicode and several statements, and errors with every field the server gives.
@Suite struct ConnectionTests {
    @Test func logsInWithSCRAMAndRunsQueries() throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        let connection = try PostgresConnection(configuration)
        defer { connection.close() }
        #expect(connection.parameters["server_version"] != nil)
        #expect(connection.parameters["client_encoding"] == "UTF8")
        #expect(connection.backendKey != nil)
        let results = try connection.simpleQuery("""
            SELECT 1 AS n, NULL::text AS nothing, 'Zoë 😀' AS text; SELECT generate_series(1, 3) AS i
            """)
        try #require(results.count == 2)
        #expect(results[0].columns == ["n", "nothing", "text"])
        #expect(results[0].rows == [["1", nil, "Zoë 😀"]])
        #expect(results[1].rows == [["1"], ["2"], ["3"]])
        #expect(results[1].commandTag == "SELECT 3")
        #expect(try connection.simpleQuery("") == [.init(columns: [], rows: [], commandTag: "")])
        // A result far larger than one read arrives whole.
        let big = try connection.simpleQuery("SELECT repeat('x', 100000) || i FROM generate_series(1, 50) AS i")
        #expect(big.first?.rows.count == 50 && big.first?.rows.last?.first??.count == 100_002)
    }

    @Test func aWrongPasswordIsRefusedWithoutShowingIt() throws {
        guard var configuration = try PostgresServer.configuration() else { return }
        configuration.password = "not-the-password-42"
        #expect { try PostgresConnection(configuration) } throws: { error in
            guard let error = error as? PostgresError else { return false }
            return error.sqlState == "28P01" && !"\(error)".contains("not-the-password-42")
        }
        configuration.password = nil
        #expect { try PostgresConnection(configuration) } throws: { "\($0)".contains("none was given") }
    }

    @Test func serverErrorsCarryTheirFieldsAndTheSessionGoesOn() throws {
        guard let configuration = try PostgresServer.configuration() else { return }
        let connection = try PostgresConnection(configuration)
        defer { connection.close() }
        #expect { try connection.simpleQuery("SELECT * FROM no_such_table") } throws: { error in
            guard let error = error as? PostgresError else { return false }
            return error.sqlState == "42P01" && error.message.contains("no_such_table") && error.position == 15
        }
        _ = try connection.simpleQuery("CREATE TEMP TABLE t (id int PRIMARY KEY, name text NOT NULL)")
        #expect { try connection.simpleQuery("INSERT INTO t VALUES (1, 'a'), (1, 'b')") } throws: { error in
            guard let error = error as? PostgresError else { return false }
            return error.sqlState == "23505" && error.table == "t" && error.constraint == "t_pkey" && error.detail != nil
        }
        #expect { try connection.simpleQuery("INSERT INTO t VALUES (2, NULL)") } throws: { error in
            (error as? PostgresError)?.column == "name"
        }
        #expect(try connection.simpleQuery("SELECT count(*) FROM t")[0].rows == [["0"]])
    }

    @Test func sslModesThatNeedTLSAreRefusedAtOnce() {
        #expect { try PostgresConfiguration(url: "postgres://u:secret@db.example/x?sslmode=require") } throws: { error in
            "\(error)".contains("does not support yet") && !"\(error)".contains("secret")
        }
        #expect(throws: PostgresConnectionError.self) { try PostgresConfiguration.fromEnvironment(["PGUSER": "u", "PGSSLMODE": "verify-full"]) }
    }

    @Test func urlsAndEnvironmentGiveTheSettingsAndHideThePassword() throws {
        let configuration = try PostgresConfiguration(url: "postgresql://app:p%40ss@db.example:6543/shop?application_name=loader")
        #expect(configuration.host == "db.example" && configuration.port == 6543 && configuration.user == "app")
        #expect(configuration.password == "p@ss" && configuration.database == "shop" && configuration.applicationName == "loader")
        #expect("\(configuration)" == "postgres://app@db.example:6543/shop")
        let socket = try PostgresConfiguration(url: "postgres://app@/shop?host=/var/run/postgresql")
        #expect(socket.host == "/var/run/postgresql")
        let fromEnvironment = try PostgresConfiguration.fromEnvironment(["PGUSER": "ann", "PGHOST": "h", "PGPORT": "1", "PGPASSWORD": "pw"])
        #expect(fromEnvironment?.user == "ann" && fromEnvironment?.port == 1 && fromEnvironment?.database == "ann")
        #expect { try PostgresConfiguration(url: "mysql://u:topsecret@h/db") } throws: { !"\($0)".contains("topsecret") }
    }
}
