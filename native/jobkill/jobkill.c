/*
 * jobkill: run one command in a Windows Job object that is killed when this helper ends.
 *
 *   jobkill.exe PROGRAM [ARGS...]        (standard input: a pipe from the parent)
 *
 * ntmaldetect's runner starts NtTrace through this helper on Windows, so that NtTrace, the
 * program it traces and everything that program starts die together when the runner dies,
 * even when it is killed outright (Task Manager, TerminateProcess): Node has no API for Job
 * objects.
 *
 * - A Job object is made with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE; its only handle is this
 *   helper's, and it is not inheritable. The command is created suspended, put in the job,
 *   then resumed: it cannot start anything outside the job first. Whatever it starts is in
 *   the job too (breakaway is not allowed).
 * - The helper ends, and with it the last handle of the job (so Windows kills every process
 *   in it), when
 *     - its standard input reaches end-of-file or breaks: the parent closed the pipe or died
 *       (the OS closes a dead process's handles); exit code 125;
 *     - the command exits: the helper exits with the command's exit code, after killing
 *       whatever the command left in the job;
 *     - the helper itself is killed: the kernel closes its handles, the job included.
 * - The command's standard output and error are the helper's; its standard input is NUL.
 * - Ctrl+C on the shared console is ignored by the helper (a handler that returns TRUE; not
 *   SetConsoleCtrlHandler(NULL, TRUE), which the command would inherit) and reaches the
 *   command: NtTrace detaches on it.
 * - The command line is passed on exactly as received after the helper's own name, so the
 *   quoting the parent did for the command is what the command sees; the program is also
 *   given as the application name (no search of the PATH, no ".exe" appended).
 *
 * Exit codes of its own: 120 bad usage (no command, or standard input is not a pipe),
 * 121 the job could not be made, 122 the command could not be started (the Windows error is
 * printed on standard error), 125 the parent went away.
 *
 * Build (MinGW-w64): x86_64-w64-mingw32-gcc -O2 -municode -o jobkill.exe jobkill.c
 * Build (MSVC):      cl /O2 jobkill.c shell32.lib
 */
#define WIN32_LEAN_AND_MEAN
#ifndef UNICODE
#define UNICODE
#endif
#ifndef _UNICODE
#define _UNICODE
#endif
#include <windows.h>
#include <shellapi.h>
#include <stdio.h>
#include <wchar.h>

static HANDLE job;

static BOOL WINAPI on_ctrl(DWORD type) {
  /* Ctrl+C and Ctrl+Break are for the command (NtTrace detaches on them); the helper waits
     for the command to exit. Closing the console, logoff and shutdown end the helper. */
  return type == CTRL_C_EVENT || type == CTRL_BREAK_EVENT;
}

static DWORD WINAPI watch_parent(LPVOID in) {
  char buf[64];
  DWORD n;
  while (ReadFile((HANDLE)in, buf, sizeof buf, &n, NULL) && n > 0) {
  }
  /* End of file, or a broken pipe: the parent is gone. */
  TerminateJobObject(job, 125);
  ExitProcess(125);
  return 0;
}

static void fail(int code, const wchar_t *what) {
  DWORD err = GetLastError();
  wchar_t msg[512] = L"";
  DWORD n = FormatMessageW(FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS, NULL, err, 0, msg, 512, NULL);
  while (n > 0 && (msg[n - 1] == L'\r' || msg[n - 1] == L'\n' || msg[n - 1] == L' ')) msg[--n] = 0;
  fwprintf(stderr, L"jobkill: %ls failed with error %lu: %ls\n", what, (unsigned long)err, msg);
  fflush(stderr);
  ExitProcess(code);
}

static HANDLE inheritable(HANDLE h) {
  HANDLE dup = NULL;
  if (h == NULL || h == INVALID_HANDLE_VALUE) return NULL;
  if (!DuplicateHandle(GetCurrentProcess(), h, GetCurrentProcess(), &dup, 0, TRUE, DUPLICATE_SAME_ACCESS)) return NULL;
  return dup;
}

int wmain(void) {
  /* The command line after the helper's own name (argv[0] rules: a quoted name ends at the
     next quote, an unquoted one at white space). */
  wchar_t *line = GetCommandLineW();
  wchar_t *rest = line;
  if (*rest == L'"') {
    rest++;
    while (*rest && *rest != L'"') rest++;
    if (*rest) rest++;
  } else {
    while (*rest && *rest != L' ' && *rest != L'\t') rest++;
  }
  while (*rest == L' ' || *rest == L'\t') rest++;
  int argc = 0;
  wchar_t **argv = CommandLineToArgvW(line, &argc);
  if (*rest == 0 || argv == NULL || argc < 2) {
    fwprintf(stderr, L"usage: jobkill PROGRAM [ARGS...]  (standard input: a pipe from the parent)\n");
    return 120;
  }
  HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
  if (in == NULL || in == INVALID_HANDLE_VALUE || GetFileType(in) != FILE_TYPE_PIPE) {
    fwprintf(stderr, L"jobkill: standard input must be a pipe from the parent (the helper ends when it closes)\n");
    return 120;
  }
  /* The command must not hold the parent's pipe: only the handles given below are passed on. */
  SetHandleInformation(in, HANDLE_FLAG_INHERIT, 0);

  job = CreateJobObjectW(NULL, NULL); /* unnamed, not inheritable */
  if (job == NULL) fail(121, L"CreateJobObject");
  JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits;
  ZeroMemory(&limits, sizeof limits);
  limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
  if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &limits, sizeof limits)) fail(121, L"SetInformationJobObject");

  SECURITY_ATTRIBUTES sa = {sizeof sa, NULL, TRUE};
  HANDLE nul = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0, NULL);
  STARTUPINFOW si;
  ZeroMemory(&si, sizeof si);
  si.cb = sizeof si;
  si.dwFlags = STARTF_USESTDHANDLES;
  si.hStdInput = nul;
  si.hStdOutput = inheritable(GetStdHandle(STD_OUTPUT_HANDLE));
  si.hStdError = inheritable(GetStdHandle(STD_ERROR_HANDLE));

  SetConsoleCtrlHandler(on_ctrl, TRUE);

  size_t len = wcslen(rest);
  wchar_t *cmd = (wchar_t *)HeapAlloc(GetProcessHeap(), 0, (len + 1) * sizeof(wchar_t));
  if (cmd == NULL) return 121;
  memcpy(cmd, rest, (len + 1) * sizeof(wchar_t));
  PROCESS_INFORMATION pi;
  if (!CreateProcessW(argv[1], cmd, NULL, NULL, TRUE, CREATE_SUSPENDED, NULL, NULL, &si, &pi)) fail(122, L"CreateProcess");
  if (!AssignProcessToJobObject(job, pi.hProcess)) {
    TerminateProcess(pi.hProcess, 121);
    fail(121, L"AssignProcessToJobObject");
  }
  if (CreateThread(NULL, 0, watch_parent, in, 0, NULL) == NULL) {
    TerminateJobObject(job, 121);
    fail(121, L"CreateThread");
  }
  ResumeThread(pi.hThread);
  CloseHandle(pi.hThread);

  WaitForSingleObject(pi.hProcess, INFINITE);
  DWORD code = 1;
  GetExitCodeProcess(pi.hProcess, &code);
  /* What the command left behind goes with it. */
  TerminateJobObject(job, code);
  return (int)code;
}
