package io.siplb.transport;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Debian's MariaDB ({@code mariadb-server}), no grant tables (no authentication), database {@code kamailio}. */
final class MariadbServer extends SqlServer {

    MariadbServer() throws IOException, InterruptedException {
        super("siplb-mariadb-");
        skipWithout(Path.of("/usr/sbin/mariadbd"), "mariadb-server");
        own(dir);
        run(asUser(List.of("mariadb-install-db", "--no-defaults", "--datadir=" + dir.resolve("data"),
                "--auth-root-authentication-method=normal", "--skip-test-db")));
        start();
        run(List.of("mariadb", "--no-defaults", "-h", "127.0.0.1", "-P", Integer.toString(port), "-u", "root",
                "-e", "CREATE DATABASE kamailio"));
        createDispatcherTable(Path.of("/usr/share/kamailio/mysql/dispatcher-create.sql"), """
                CREATE TABLE dispatcher (id INT(10) UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL,
                setid INT DEFAULT 0 NOT NULL, destination VARCHAR(192) DEFAULT '' NOT NULL,
                flags INT DEFAULT 0 NOT NULL, priority INT DEFAULT 0 NOT NULL, attrs VARCHAR(128) DEFAULT '' NOT NULL,
                description VARCHAR(64) DEFAULT '' NOT NULL);""");
    }

    @Override
    String url() {
        return "mysql://root@127.0.0.1:" + port + "/kamailio";
    }

    @Override
    List<String> serverCommand() {
        return List.of("/usr/sbin/mariadbd", "--no-defaults", "--datadir=" + dir.resolve("data"), "--port=" + port,
                "--bind-address=127.0.0.1", "--socket=" + dir.resolve("mariadb.sock"), "--skip-grant-tables",
                "--skip-log-bin", "--innodb-flush-log-at-trx-commit=0", "--pid-file=" + dir.resolve("mariadb.pid"));
    }

    @Override
    String user() {
        return "mysql";
    }

    @Override
    boolean answers() throws InterruptedException {
        try {
            run(List.of("mariadb", "--no-defaults", "-h", "127.0.0.1", "-P", Integer.toString(port), "-u", "root",
                    "-e", "SELECT 1"));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Override
    void sql(String sql) throws IOException, InterruptedException {
        run(List.of("mariadb", "--no-defaults", "-h", "127.0.0.1", "-P", Integer.toString(port), "-u", "root",
                "kamailio", "-e", sql));
    }
}
