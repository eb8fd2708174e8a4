-- Headless LSP client for Neovim 0.7 (Debian 12's; also works on newer): starts a language
-- server over stdio, opens one file, waits for its diagnostics and prints them. It lets us check
-- that our server works in an LSP editor other than VS Code, with nothing but nvim installed.
--
--   LSP_CMD_JSON='["node","dist/server.js","--stdio"]' LSP_FILE=path/to/file.yaml \
--     nvim --headless -u NONE -i NONE -n -c 'luafile test/nvim/lsp_client.lua'
--
-- Env: LSP_CMD_JSON (argv as a JSON array; LSP_CMD, split on spaces, is the fallback),
--      LSP_FILE, LSP_FILETYPE (default yaml), LSP_ROOT (default the file's folder),
--      LSP_SETTINGS_JSON (answers workspace/configuration), LSP_TIMEOUT_MS (default 20000),
--      LSP_MIN_COUNT (wait for a publish with at least this many diagnostics; default 0, so the
--      first publish counts: servers may publish an empty list before the real one).
-- Output: one line `DIAGNOSTIC <json of the LSP Diagnostic>` per diagnostic on stdout, then
--      `DIAGNOSTICS_DONE <count>`; server log messages go to stderr.
-- Exit code: 0 = diagnostics received, 2 = timeout, 3 = the server did not start.
-- Load it through pcall (as nvim.mjs does) so that a Lua error exits with 4: headless nvim
-- otherwise stops at the error message and waits forever.
local function out(s) io.stdout:write(s .. '\n') io.stdout:flush() end
local function err(s) io.stderr:write(s .. '\n') io.stderr:flush() end
local function getenv(k, d) local v = os.getenv(k); if v == nil or v == '' then return d end; return v end

local cmd
if getenv('LSP_CMD_JSON', nil) then
  cmd = vim.fn.json_decode(os.getenv('LSP_CMD_JSON'))
else
  cmd = vim.split(getenv('LSP_CMD', 'yaml-language-server --stdio'), ' ', { trimempty = true })
end
local file = vim.fn.fnamemodify(getenv('LSP_FILE', 'test.yaml'), ':p')
local ft = getenv('LSP_FILETYPE', 'yaml')
local root = vim.fn.fnamemodify(getenv('LSP_ROOT', vim.fn.fnamemodify(file, ':h')), ':p')
local timeout = tonumber(getenv('LSP_TIMEOUT_MS', '20000'))
local min_count = tonumber(getenv('LSP_MIN_COUNT', '0'))
local settings = vim.fn.json_decode(getenv('LSP_SETTINGS_JSON', '{}'))

local result = nil
local last = nil
local client_id = vim.lsp.start_client({
  name = 'headless-lsp',
  cmd = cmd,
  root_dir = root,
  settings = settings,
  handlers = {
    ['textDocument/publishDiagnostics'] = function(_, params)
      if params and vim.uri_to_fname(params.uri) == file then
        last = params.diagnostics
        if #params.diagnostics >= min_count then result = params.diagnostics end
      end
    end,
    ['window/logMessage'] = function(_, params) err('[server log] ' .. (params.message or '')) end,
    ['window/showMessage'] = function(_, params) err('[server message] ' .. (params.message or '')) end,
  },
  on_exit = function(code, signal) err(('[server exit] code=%s signal=%s'):format(code, signal)) end,
})
if not client_id then out('SERVER_START_FAILED') vim.cmd('cquit 3') end

vim.cmd('edit ' .. vim.fn.fnameescape(file))
local bufnr = vim.api.nvim_get_current_buf()
vim.bo[bufnr].filetype = ft
vim.lsp.buf_attach_client(bufnr, client_id)

local function print_all(list)
  for _, d in ipairs(list) do out('DIAGNOSTIC ' .. vim.fn.json_encode(d)) end
  out('DIAGNOSTICS_DONE ' .. #list)
end

local ok = vim.wait(timeout, function()
  return result ~= nil or vim.lsp.get_client_by_id(client_id) == nil
end, 50)
if not ok or result == nil then
  if vim.lsp.get_client_by_id(client_id) == nil then
    out('SERVER_EXITED before publishing diagnostics')
    vim.cmd('cquit 3')
  end
  out(('TIMEOUT after %d ms waiting for %d+ diagnostics'):format(timeout, min_count))
  if last then print_all(last) end
  vim.lsp.stop_client(client_id, true)
  vim.cmd('cquit 2')
end
print_all(result)
vim.lsp.stop_client(client_id)
vim.wait(2000, function() return vim.tbl_isempty(vim.lsp.get_active_clients()) end, 50)
vim.cmd('qa!')
