"""The PostgreSQL JDBC driver against `redactor serve` (Debian's libpostgresql-jdbc-java, run
with the machine's Java as a single-file source program): prepared statements past the
driver's prepareThreshold (server-side statements, binary transfer), a refused probe, and
DatabaseMetaData.getTables."""

from __future__ import annotations

import glob
import shutil
import subprocess
from pathlib import Path

JAVA = r"""
import java.sql.*;
public class ServeProbe {
  public static void main(String[] a) throws Exception {
    try (Connection c = DriverManager.getConnection(a[0], a[1], a[2])) {
      System.out.println("version " + c.getMetaData().getDatabaseProductVersion());
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT id, city, dl_number, birth_date FROM people WHERE id >= ? ORDER BY id")) {
        for (int round = 0; round < 7; round++) {
          ps.setInt(1, 2);
          try (ResultSet rs = ps.executeQuery()) {
            int n = 0;
            while (rs.next()) {
              n++;
              System.out.println("row " + round + "|" + rs.getInt(1) + "|" + rs.getString(2)
                  + "|" + rs.getString(3) + "|" + rs.getString(4));
            }
            System.out.println("rows " + round + " " + n);
          }
        }
      }
      try (PreparedStatement ps = c.prepareStatement("SELECT id FROM people WHERE ssn = ?")) {
        ps.setString(1, a[3]);
        ps.executeQuery();
        System.out.println("NOT REFUSED");
      } catch (SQLException e) {
        System.out.println("refused " + e.getSQLState() + " " + e.getMessage().split("\n")[0]);
      }
      try (ResultSet rs = c.getMetaData().getTables(null, "public", "%", new String[]{"TABLE"})) {
        while (rs.next()) System.out.println("table " + rs.getString("TABLE_NAME"));
      }
    }
  }
}
"""


def jdbc_jar() -> str | None:
    for p in (
        "/usr/share/java/postgresql.jar",
        *sorted(glob.glob("/usr/share/java/postgresql-*.jar")),
    ):
        if Path(p).is_file():
            return p
    return None


def missing() -> str | None:
    """Why the JDBC test cannot run here, or None."""
    if not shutil.which("java") or not shutil.which("javac"):
        return "no Java 11+ JDK (java, javac): scripts/system-deps.sh installs one"
    if jdbc_jar() is None:
        return "no PostgreSQL JDBC driver: scripts/system-deps.sh installs libpostgresql-jdbc-java"
    return None


def run_probe(
    tmp: Path, port: int, request: str, user: str, password: str, canary: str
) -> subprocess.CompletedProcess:
    src = tmp / "ServeProbe.java"
    src.write_text(JAVA)
    url = (
        f"jdbc:postgresql://127.0.0.1:{port}/anything?sslmode=disable"
        f"&options=-c%20redactor.request={request}"
    )
    return subprocess.run(
        ["java", "-cp", str(jdbc_jar()), str(src), url, user, password, canary],
        capture_output=True,
        text=True,
        timeout=120,
    )
