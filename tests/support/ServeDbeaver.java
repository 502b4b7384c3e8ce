import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.*;
import java.util.*;

/**
 * Replays a script of statements over the PostgreSQL JDBC driver, as DBeaver sends them
 * (prepared statements with bound parameters, extended protocol), and prints every answer.
 *
 * Script: blocks separated by lines "@@ NAME"; inside a block, lines "@long V", "@string V"
 * bind the next parameter, "@maxrows N" sets Statement.setMaxRows (and the fetch size), "@meta
 * keywords|isolation" calls DatabaseMetaData.getSQLKeywords / Connection.getTransactionIsolation
 * instead of a statement; every other line is SQL. Placeholders "{NAME.COL}" are replaced by the
 * first value of column COL in the answer of block NAME (DBeaver binds the oids it read; in SQL
 * text, as DBeaver inlines some oids, only its digits are kept).
 *
 * Output, per block: "== NAME", then "cols C1\tC2…", "row V1\tV2…" (NULL as \N, tabs and
 * newlines escaped), "end N"; or "error SQLSTATE MESSAGE" (first line).
 */
public class ServeDbeaver {
  static String esc(String s) {
    if (s == null) return "\\N";
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r");
  }

  public static void main(String[] a) throws Exception {
    List<String> lines = Files.readAllLines(Path.of(a[3]), StandardCharsets.UTF_8);
    List<String[]> blocks = new ArrayList<>();
    String name = null;
    StringBuilder body = new StringBuilder();
    for (String ln : lines) {
      if (ln.startsWith("@@ ")) {
        if (name != null) blocks.add(new String[] {name, body.toString()});
        name = ln.substring(3).trim();
        body.setLength(0);
      } else {
        body.append(ln).append("\n");
      }
    }
    if (name != null) blocks.add(new String[] {name, body.toString()});
    Properties props = new Properties();
    props.setProperty("user", a[1]);
    props.setProperty("password", a[2]);
    props.setProperty("ApplicationName", "DBeaver 24.2.3 - Main <anything>");
    Map<String, Map<String, String>> first = new HashMap<>();
    try (Connection c = DriverManager.getConnection(a[0], props)) {
      System.out.println("version " + c.getMetaData().getDatabaseProductVersion());
      for (String[] b : blocks) {
        System.out.println("== " + b[0]);
        List<String[]> binds = new ArrayList<>();
        StringBuilder sql = new StringBuilder();
        int maxRows = 0;
        String meta = null;
        for (String ln : b[1].split("\n", -1)) {
          if (ln.startsWith("@long ") || ln.startsWith("@string ")) {
            String[] kv = ln.substring(1).split(" ", 2);
            binds.add(kv);
          } else if (ln.startsWith("@maxrows ")) {
            maxRows = Integer.parseInt(ln.substring(9).trim());
          } else if (ln.startsWith("@meta ")) {
            meta = ln.substring(6).trim();
          } else {
            sql.append(ln).append("\n");
          }
        }
        try {
          if ("keywords".equals(meta)) {
            System.out.println("cols keywords");
            System.out.println("row " + esc(c.getMetaData().getSQLKeywords()));
            System.out.println("end 1");
            continue;
          }
          if ("isolation".equals(meta)) {
            System.out.println("cols isolation");
            System.out.println("row " + c.getTransactionIsolation());
            System.out.println("end 1");
            continue;
          }
          String text = sql.toString().strip();
          java.util.regex.Matcher m =
              java.util.regex.Pattern.compile("\\{(\\w+)\\.(\\w+)\\}").matcher(text);
          StringBuilder sb = new StringBuilder();
          while (m.find()) {
            String got = first.getOrDefault(m.group(1), Map.of()).get(m.group(2));
            m.appendReplacement(sb, got == null ? "NULL" : got.replaceAll("[^0-9]", ""));
          }
          m.appendTail(sb);
          text = sb.toString();
          try (PreparedStatement ps = c.prepareStatement(text)) {
            if (maxRows > 0) {
              ps.setMaxRows(maxRows);
              ps.setFetchSize(maxRows);
            }
            int i = 1;
            for (String[] kv : binds) {
              String value = kv[1];
              if (value.startsWith("{") && value.endsWith("}")) {
                String[] ref = value.substring(1, value.length() - 1).split("\\.", 2);
                value = first.getOrDefault(ref[0], Map.of()).get(ref[1]);
              }
              if (kv[0].equals("long")) {
                if (value == null) ps.setNull(i, Types.BIGINT);
                else ps.setLong(i, Long.parseLong(value));
              } else {
                ps.setString(i, value);
              }
              i++;
            }
            try (ResultSet rs = ps.executeQuery()) {
              ResultSetMetaData md = rs.getMetaData();
              StringBuilder cols = new StringBuilder("cols ");
              for (int k = 1; k <= md.getColumnCount(); k++) {
                if (k > 1) cols.append("\t");
                cols.append(esc(md.getColumnLabel(k)));
              }
              System.out.println(cols);
              int n = 0;
              Map<String, String> firstRow = new HashMap<>();
              while (rs.next()) {
                StringBuilder row = new StringBuilder("row ");
                for (int k = 1; k <= md.getColumnCount(); k++) {
                  if (k > 1) row.append("\t");
                  String v = rs.getString(k);
                  row.append(esc(v));
                  if (n == 0) firstRow.put(md.getColumnLabel(k), v);
                }
                System.out.println(row);
                n++;
              }
              first.put(b[0], firstRow);
              System.out.println("end " + n);
            }
          }
        } catch (SQLException e) {
          String msg = String.valueOf(e.getMessage()).split("\n")[0];
          System.out.println("error " + e.getSQLState() + " " + esc(msg));
        }
      }
    }
  }
}
