-- inline-svg.lua: a pandoc filter (handout/handout.mk) that turns a paragraph holding only
-- an SVG image, ![caption](fig/NAME.LANG.svg), into a <figure> with the SVG inline.
-- Inline rather than a data: URI so that the page stays one file and the figure's text
-- uses the page's fonts (the CJK face on the Chinese page) and can be selected and searched.
-- The file is looked up on pandoc's --resource-path. Its ids must be unique in the page
-- (each figure prefixes them with its name).

local function read_svg(src)
  for _, dir in ipairs(PANDOC_STATE.resource_path) do
    local fh = io.open(dir .. '/' .. src, 'r')
    if fh then
      local text = fh:read('a')
      fh:close()
      return text
    end
  end
  error('inline-svg.lua: ' .. src .. ' not found on the resource path')
end

function Para(para)
  local img = para.content[1]
  if #para.content ~= 1 or img.t ~= 'Image' or not img.src:match('%.svg$') then
    return nil
  end
  -- the figure CSS is already in the page: drop the copy that makes the file stand alone
  local svg = read_svg(img.src):gsub("^%s*<%?xml[^>]*%?>%s*", ""):gsub("<style>.-</style>\n?", "", 1)
  local name = img.src:match('([^/]+)%.[^.]+%.svg$') or img.src
  local caption = pandoc.write(pandoc.Pandoc({pandoc.Plain(img.caption)}), 'html')
  return pandoc.RawBlock('html', '<figure id="fig-' .. name .. '" class="fig">\n' .. svg ..
    '<figcaption>' .. caption .. '</figcaption>\n</figure>')
end
