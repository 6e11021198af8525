// Wide-character ncurses: the dashboard draws braille and box characters.
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <ncursesw/ncurses.h>
