// The statistics report (text or JSON), written without allocating, and the exit report.
#pragma once
#include <stdio.h>

namespace pm {

// Writes the report to fd with write(2) from a buffer on the stack. 0, or -1 with errno.
int stats_report_fd(int fd, bool json);
// The same text through stdio (fwrite may allocate the stream's buffer: the caller's choice).
void stats_report_file(FILE* out, bool json);
// Registered with atexit when the print_stats option is on: the report on stderr, as JSON
// with stats_json. Runs in whichever thread calls exit().
void stats_print_at_exit();

}  // namespace pm
