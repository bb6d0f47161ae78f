import { Controller, Get, Header } from '@nestjs/common';
import { Public } from '../auth';
import { ApiDoc } from './api-doc.decorator';
import { OpenApiService } from './openapi.service';

@Controller()
export class OpenApiController {
  constructor(private readonly openapi: OpenApiService) {}

  @Public()
  @Get('openapi.json')
  @ApiDoc({
    tag: 'meta',
    summary: 'This OpenAPI 3.1 document',
    success: { status: 200, description: 'the document' },
  })
  document(): Record<string, unknown> {
    return this.openapi.document();
  }

  @Public()
  @Get('docs')
  @Header('Content-Type', 'text/html; charset=utf-8')
  @ApiDoc({
    tag: 'meta',
    summary: 'Browsable API reference',
    success: { status: 200, description: 'HTML page' },
  })
  page(): string {
    return DOCS_PAGE;
  }
}

// A dependency-free page (operators often browse from hosts without internet access).
const DOCS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vigil API</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#222}
h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
.op{margin:.6rem 0;padding:.5rem .8rem;border:1px solid #e3e3e3;border-radius:6px}
.m{display:inline-block;min-width:4.5rem;font-weight:600;text-transform:uppercase}
.get{color:#0a6}.post{color:#06c}.put{color:#a60}.delete{color:#c22}
code,pre{font:12px ui-monospace,monospace;background:#f6f6f6}pre{padding:.5rem;overflow:auto}
details summary{cursor:pointer;color:#555}
</style></head><body>
<h1>Vigil API</h1><p id="intro"></p><div id="ops">Loading /openapi.json…</div>
<script>
fetch('openapi.json').then(r=>r.json()).then(doc=>{
  document.getElementById('intro').textContent=doc.info.description;
  const byTag={};
  for(const [path,ops] of Object.entries(doc.paths))for(const [method,op] of Object.entries(ops))(byTag[op.tags[0]]??=[]).push({path,method,op});
  const root=document.getElementById('ops');root.textContent='';
  for(const [tag,list] of Object.entries(byTag)){
    const h=document.createElement('h2');h.textContent=tag;root.appendChild(h);
    for(const {path,method,op} of list){
      const d=document.createElement('div');d.className='op';
      const head=document.createElement('div');
      head.innerHTML='<span class="m '+method+'"></span><code></code> — <span></span>';
      head.children[0].textContent=method;head.children[1].textContent=path;head.children[2].textContent=op.summary;
      d.appendChild(head);
      const det=document.createElement('details');const s=document.createElement('summary');s.textContent='details';det.appendChild(s);
      const pre=document.createElement('pre');pre.textContent=JSON.stringify({responses:op.responses,requestBody:op.requestBody,parameters:op.parameters},null,2);
      det.appendChild(pre);d.appendChild(det);root.appendChild(d);
    }
  }
});
</script></body></html>`;
