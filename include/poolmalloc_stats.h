/* poolmalloc statistics and heap walk (C API). */
#ifndef POOLMALLOC_STATS_H
#define POOLMALLOC_STATS_H
#endif
