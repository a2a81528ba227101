namespace ReferralIntake.Domain.Forces;

/// <summary>Just enough RFC 4180 to read the sourced data files: commas, and double-quoted fields
/// that may hold commas or doubled quotes.</summary>
internal static class Csv
{
    public static IEnumerable<string[]> ReadRows(TextReader reader)
    {
        _ = reader.ReadLine(); // header
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                yield return Split(line);
            }
        }
    }

    public delegate void LineAction(ReadOnlySpan<char> line);

    /// <summary>
    /// Every non-empty line after the header, for a file that quotes no field, as a span over one reused
    /// buffer: no string per line. A quote, or a line longer than the buffer, is refused.
    /// </summary>
    public static void ForEachUnquotedLine(TextReader reader, LineAction action)
    {
        var buffer = new char[16 * 1024];
        var filled = 0;
        var header = true;
        while (true)
        {
            var read = reader.Read(buffer, filled, buffer.Length - filled);
            filled += read;
            var start = 0;
            int end;
            while ((end = Array.IndexOf(buffer, '\n', start, filled - start)) >= 0)
            {
                Line(buffer.AsSpan(start, end - start));
                start = end + 1;
            }

            if (read == 0)
            {
                Line(buffer.AsSpan(start, filled - start)); // the last line, without a newline
                return;
            }

            if (start == 0 && filled == buffer.Length)
            {
                throw new InvalidDataException($"A data line is longer than {buffer.Length} characters.");
            }

            Array.Copy(buffer, start, buffer, 0, filled - start); // the unfinished line, to the front
            filled -= start;
        }

        void Line(ReadOnlySpan<char> line)
        {
            line = line.TrimEnd('\r');
            if (header)
            {
                header = false;
            }
            else if (line.Contains('"'))
            {
                throw new InvalidDataException($"This data file quotes no field; this row does: '{line}'.");
            }
            else if (line.Length > 0)
            {
                action(line);
            }
        }
    }

    private static string[] Split(string line)
    {
        if (!line.Contains('"', StringComparison.Ordinal))
        {
            return line.Split(',');
        }

        var fields = new List<string>();
        var field = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        fields.Add(field.ToString());
        return [.. fields];
    }
}
